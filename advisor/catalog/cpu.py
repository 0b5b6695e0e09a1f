"""CPU-heavy work: async cannot overlap it, and on the event loop it stalls every request."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

_C = EffectKind.CPU

ROWS = (
    *(
        CatalogRow(f"hashlib.{name}", _C, "cpu", f"hashlib.{name} hashes in this thread")
        for name in ("sha256", "sha512", "sha1", "md5", "pbkdf2_hmac", "scrypt", "blake2b")
    ),
    CatalogRow("hmac.new", _C, "none", "HMAC of a small payload (cheap)"),
    CatalogRow("csv.writer", _C, "cpu", "builds CSV in Python"),
    CatalogRow("zlib.compress", _C, "cpu", "compression is CPU work"),
    CatalogRow("gzip.compress", _C, "cpu", "compression is CPU work"),
    CatalogRow("reportlab.*", _C, "cpu", "PDF generation is CPU work"),
    CatalogRow("PIL.*", _C, "cpu", "image processing is CPU work"),
    CatalogRow("json.dumps", _C, "none", "serialising small data is cheap"),
)
