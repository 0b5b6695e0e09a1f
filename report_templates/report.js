/* django-async-advisor HTML report: the view table (sort, filter, search, paging) and the
   per-view detail. Data comes from the JSON block once; every piece of text from the scanned
   project is inserted with textContent / text nodes, never as markup. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("advisor-data").textContent);
  var VIEWS = DATA.views;
  var BY_ID = new Map();
  VIEWS.forEach(function (view) {
    BY_ID.set(view.id, view);
    view._search = [
      view.id, view.category || "", view.kind,
      (view.routes || []).map(function (r) { return r.pattern + " " + (r.name || ""); }).join(" "),
      (view.reasons || []).join(" "),
      (view.blockers || []).map(function (b) { return b.message; }).join(" "),
      (view.effects || []).map(function (e) { return e.call; }).join(" ")
    ].join("\n").toLowerCase();
  });

  var PAGE_SIZES = [25, 50, 100, 250];
  var DEFAULTS = { sort: "rank", dir: 1, category: "", app: "", query: "", page: 0, pageSize: 50 };
  var state = Object.assign({}, DEFAULTS);

  // The view (filters, search, sort, page and the open detail) lives in the URL's hash, so
  // a copied link or a reload shows the same thing: #category=…&app=…&q=…&sort=…&view=….
  var URL_KEYS = { category: "category", app: "app", query: "q", sort: "sort", dir: "dir",
    page: "page", pageSize: "size" };
  var openView = "";

  function hashParams() {
    var text = location.hash.replace(/^#/, "");
    try { return new URLSearchParams(text); } catch (e) { return new URLSearchParams(); }
  }

  function readState() {
    var params = hashParams();
    Object.keys(URL_KEYS).forEach(function (key) {
      var value = params.get(URL_KEYS[key]);
      if (value === null) { state[key] = DEFAULTS[key]; return; }
      if (key === "dir") state.dir = value === "-1" ? -1 : 1;
      else if (key === "page") state.page = Math.max(0, (parseInt(value, 10) || 1) - 1);
      else if (key === "pageSize") state.pageSize = PAGE_SIZES.indexOf(Number(value)) >= 0 ? Number(value) : DEFAULTS.pageSize;
      else if (key === "sort") state.sort = Object.prototype.hasOwnProperty.call(SORT_KEYS, value) ? value : DEFAULTS.sort;
      else state[key] = value;
    });
    return params.get("view") || "";
  }

  function writeState() {
    var params = new URLSearchParams();
    Object.keys(URL_KEYS).forEach(function (key) {
      if (state[key] === DEFAULTS[key]) return;
      params.set(URL_KEYS[key], key === "page" ? String(state.page + 1) : String(state[key]));
    });
    if (openView) params.set("view", openView);
    var text = params.toString();
    var wanted = text ? "#" + text : "";
    if (location.hash !== wanted && !(wanted === "" && location.hash === "#")) {
      history.replaceState(null, "", wanted || location.pathname + location.search);
    }
  }

  // ---- helpers -----------------------------------------------------------------------

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "class") node.className = value;
        else node.setAttribute(key, String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    if (typeof child === "string" || typeof child === "number") {
      node.appendChild(document.createTextNode(String(child)));
    } else {
      node.appendChild(child);
    }
  }

  function ms(value) {
    if (value === null || value === undefined) return "–";
    if (value < 10 && value !== Math.round(value)) return value.toFixed(1) + " ms";
    return Math.round(value).toLocaleString("en-US") + " ms";
  }

  function routeText(pattern) {
    return "/" + pattern.replace(/^\^/, "").replace(/\$$/, "");
  }

  // Text that may wrap after each separator ("." in dotted names, "/" in routes): text
  // nodes with <wbr> elements between them, so nothing breaks mid-word.
  function breakable(text, separator) {
    var parts = String(text).split(separator);
    var nodes = [];
    parts.forEach(function (part, index) {
      nodes.push(part + (index < parts.length - 1 ? separator : ""));
      if (index < parts.length - 1) nodes.push(document.createElement("wbr"));
    });
    return nodes;
  }

  function badge(view) {
    if (!view.category) return el("span", { class: "badge plain" }, "not scored");
    return el("span", { class: "badge cat-" + view.slug }, view.category);
  }

  var COLLATOR = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  var SORT_KEYS = {
    rank: function (v) { return v.rank; },
    id: function (v) { return v.id; },
    route: function (v) { return v.routes && v.routes.length ? v.routes[0].pattern : "\uffff"; },
    category: function (v) { return v.order; },
    score: function (v) { return v.score === undefined ? -1 : v.score; },
    released: function (v) { return v.overlap_ms || 0; },
    capacity: function (v) { return v.capacity_ratio || 0; },
    blockers: function (v) { return (v.blockers || []).filter(isBlocker).length; }
  };

  function isBlocker(b) { return b.severity === "blocker"; }

  // ---- table -------------------------------------------------------------------------

  var tbody = document.querySelector("#view-table tbody");
  var status = document.getElementById("page-status");
  var searchBox = document.getElementById("filter-text");
  var categorySelect = document.getElementById("filter-category");
  var appSelect = document.getElementById("filter-app");
  var sizeSelect = document.getElementById("page-size");
  var sortSelect = document.getElementById("sort-by");  // the column headers, on a phone

  function filtered() {
    var query = state.query.trim().toLowerCase();
    var terms = query ? query.split(/\s+/) : [];
    return VIEWS.filter(function (v) {
      if (state.category && v.category !== state.category) return false;
      if (state.app && v.app !== state.app) return false;
      for (var i = 0; i < terms.length; i++) {
        if (v._search.indexOf(terms[i]) === -1) return false;
      }
      return true;
    });
  }

  function sorted(rows) {
    var key = SORT_KEYS[state.sort];
    var dir = state.dir;
    return rows.slice().sort(function (a, b) {
      var x = key(a), y = key(b), c;
      if (typeof x === "string" || typeof y === "string") c = COLLATOR.compare(String(x), String(y));
      else c = x < y ? -1 : x > y ? 1 : 0;
      return c !== 0 ? c * dir : a.rank - b.rank;
    });
  }

  function row(view) {
    var blockers = (view.blockers || []).filter(isBlocker);
    var reason = view.reasons && view.reasons.length ? view.reasons[0] : "";
    var route;
    if (!view.routed) route = el("span", { class: "unrouted" }, "not routed");
    else {
      var first = view.routes && view.routes.length ? routeText(view.routes[0].pattern) : "";
      route = [breakable(first, "/"), view.routes && view.routes.length > 1 ? " +" + (view.routes.length - 1) : ""];
    }
    var score = view.score === undefined ? "–" : el("span", { class: "score-cell" },
      el("span", { class: "score-bar", "aria-hidden": "true" }, scoreFill(view.score)),
      String(view.score));
    return el("tr", { tabindex: "0", "data-view-id": view.id },
      el("td", { class: "num rank", "data-label": "#" }, String(view.rank + 1)),
      el("td", { class: "view" }, breakable(view.id, "."), el("span", { class: "reason", title: reason }, reason)),
      el("td", { class: "route", "data-label": "Route" }, route),
      el("td", { class: "category", "data-label": "Category" }, badge(view)),
      el("td", { class: "num", "data-label": "Score" }, score),
      el("td", { class: "num", "data-label": "Released" }, view.category ? ms(view.overlap_ms) : "–"),
      el("td", { class: "num", "data-label": "Req/s sync → async" }, view.category ? view.capacity : "–"),
      el("td", { class: "blockers", "data-label": "Blockers" }, blockers.length ? blockers.map(function (b) { return b.message; }).join("; ") : "")
    );
  }

  function scoreFill(score) {
    var fill = el("span");
    fill.style.width = Math.max(0, Math.min(100, score)) + "%";
    return fill;
  }

  function render() {
    var rows = sorted(filtered());
    var pages = Math.max(1, Math.ceil(rows.length / state.pageSize));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * state.pageSize;
    var slice = rows.slice(start, start + state.pageSize);
    var fragment = document.createDocumentFragment();
    slice.forEach(function (v) { fragment.appendChild(row(v)); });
    if (!slice.length) {
      fragment.appendChild(el("tr", null, el("td", { colspan: "8", class: "empty" }, "No view matches these filters.")));
    }
    tbody.replaceChildren(fragment);
    status.textContent = rows.length
      ? (start + 1).toLocaleString("en-US") + "–" + (start + slice.length).toLocaleString("en-US") +
        " of " + rows.length.toLocaleString("en-US") + " views" +
        (rows.length !== VIEWS.length ? " (filtered from " + VIEWS.length.toLocaleString("en-US") + ")" : "") +
        " · page " + (state.page + 1) + " of " + pages
      : "0 of " + VIEWS.length.toLocaleString("en-US") + " views";
    document.getElementById("page-first").disabled = state.page === 0;
    document.getElementById("page-prev").disabled = state.page === 0;
    document.getElementById("page-next").disabled = state.page >= pages - 1;
    document.getElementById("page-last").disabled = state.page >= pages - 1;
    document.querySelectorAll("#view-table th[data-sort]").forEach(function (th) {
      if (th.getAttribute("data-sort") === state.sort) {
        th.setAttribute("aria-sort", state.dir === 1 ? "ascending" : "descending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
    writeState();
  }

  function showState() {
    searchBox.value = state.query;
    categorySelect.value = state.category;
    appSelect.value = state.app;
    sizeSelect.value = String(state.pageSize);
    sortSelect.value = state.sort + ":" + state.dir;
    if (sortSelect.selectedIndex < 0) sortSelect.selectedIndex = 0;
  }

  function fillSelect(select, values, allLabel) {
    select.appendChild(el("option", { value: "" }, allLabel));
    values.forEach(function (item) {
      select.appendChild(el("option", { value: item.value }, item.value + " (" + item.count + ")"));
    });
  }

  function counted(getter) {
    var counts = new Map();
    VIEWS.forEach(function (v) {
      var key = getter(v);
      if (key) counts.set(key, (counts.get(key) || 0) + 1);
    });
    return counts;
  }

  var categoryCounts = counted(function (v) { return v.category; });
  fillSelect(categorySelect, DATA.categories.filter(function (c) { return categoryCounts.has(c); })
    .map(function (c) { return { value: c, count: categoryCounts.get(c) }; }), "All categories");
  var appCounts = counted(function (v) { return v.app; });
  fillSelect(appSelect, Array.from(appCounts.keys()).sort(COLLATOR.compare)
    .map(function (a) { return { value: a, count: appCounts.get(a) }; }), "All apps");
  PAGE_SIZES.forEach(function (n) {
    sizeSelect.appendChild(el("option", { value: String(n), selected: n === state.pageSize ? "selected" : null }, String(n)));
  });

  var searchTimer = null;
  searchBox.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { state.query = searchBox.value; state.page = 0; render(); }, 60);
  });
  categorySelect.addEventListener("change", function () { state.category = categorySelect.value; state.page = 0; render(); });
  appSelect.addEventListener("change", function () { state.app = appSelect.value; state.page = 0; render(); });
  sortSelect.addEventListener("change", function () {
    var parts = sortSelect.value.split(":");
    state.sort = parts[0];
    state.dir = Number(parts[1]) || 1;
    state.page = 0;
    render();
  });
  sizeSelect.addEventListener("change", function () { state.pageSize = Number(sizeSelect.value); state.page = 0; render(); });
  document.getElementById("filter-clear").addEventListener("click", function () {
    state.category = state.app = state.query = "";
    categorySelect.value = appSelect.value = searchBox.value = "";
    state.page = 0;
    render();
  });
  document.getElementById("page-first").addEventListener("click", function () { state.page = 0; render(); });
  document.getElementById("page-prev").addEventListener("click", function () { state.page -= 1; render(); });
  document.getElementById("page-next").addEventListener("click", function () { state.page += 1; render(); });
  document.getElementById("page-last").addEventListener("click", function () { state.page = 1e9; render(); });

  document.querySelectorAll("#view-table th[data-sort] button").forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.parentNode.getAttribute("data-sort");
      if (state.sort === key) state.dir = -state.dir;
      else {
        state.sort = key;
        // Numbers read best high-to-low first; names and the rank low-to-high.
        state.dir = ["score", "released", "capacity", "blockers"].indexOf(key) >= 0 ? -1 : 1;
      }
      state.page = 0;
      sortSelect.value = state.sort + ":" + state.dir;
      render();
    });
  });

  tbody.addEventListener("click", function (event) {
    var tr = event.target.closest("tr[data-view-id]");
    if (tr) openDetail(tr.getAttribute("data-view-id"));
  });
  tbody.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    var tr = event.target.closest("tr[data-view-id]");
    if (tr) { event.preventDefault(); openDetail(tr.getAttribute("data-view-id")); }
  });

  // Category chips above the chart filter the table.
  document.querySelectorAll("[data-filter-category]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      state.category = chip.getAttribute("data-filter-category");
      categorySelect.value = state.category;
      state.page = 0;
      render();
      document.getElementById("views").scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });

  // Anything server-rendered that names a view (Convert first, chart bars, lists) opens it.
  function viewLinkHandler(event) {
    if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
    var target = event.target.closest("[data-view-id]");
    if (!target || target.closest("#view-table") || target.closest("#detail")) return;
    event.preventDefault();
    openDetail(target.getAttribute("data-view-id"));
  }
  document.addEventListener("click", viewLinkHandler);
  document.addEventListener("keydown", viewLinkHandler);

  // ---- detail ------------------------------------------------------------------------

  var dialog = document.getElementById("detail");
  var detailBody = document.getElementById("detail-content");

  function section(title) {
    var children = Array.prototype.slice.call(arguments, 1);
    return el("section", { class: "detail-section" }, el("h3", null, title), children);
  }

  // "path:line" → a link made from --link-template ({path} relative to the repository
  // root, {line}), or marked text when there is no template.
  function splitLocation(text) {
    var at = String(text || "").lastIndexOf(":");
    if (at <= 0) return null;
    var line = parseInt(text.slice(at + 1), 10);
    return isNaN(line) ? null : { path: text.slice(0, at), line: line };
  }

  function repositoryPath(path) {
    return DATA.root && DATA.root !== "." ? DATA.root + "/" + path : path;
  }

  // A location in an installed package the scan followed (site-packages/…): shown, marked,
  // never linked (it is no file of the repository).
  function isInstalled(text) {
    return Boolean(DATA.installed_prefix) && String(text || "").indexOf(DATA.installed_prefix) === 0;
  }

  function linkFor(text) {
    var where = splitLocation(text);
    if (!DATA.link || !where || isInstalled(text)) return null;
    var path = repositoryPath(where.path).split("/").map(encodeURIComponent).join("/");
    return DATA.link.split("{path}").join(path).split("{line}").join(String(Math.max(1, where.line)));
  }

  function locationMark(text) {
    var href = linkFor(text);
    if (href) return el("a", { class: "src", href: href }, text);
    if (isInstalled(text)) {
      return el("mark", { class: "src installed", title: "in an installed package, not the project" }, text);
    }
    return el("mark", { class: "src" }, text);
  }

  // The code around the view's evidence, from the excerpts the scan embedded: one block
  // per stretch of lines, the evidence lines highlighted.
  function evidenceLocations(view) {
    var found = [];
    function add(text, label) { var w = splitLocation(text); if (w) found.push({ path: w.path, line: w.line, label: label }); }
    add(view.location, "defined here");
    (view.effects || []).forEach(function (e) {
      add(e.location, e.call);
      (e.chain || []).slice(0, -1).forEach(function (link) { add(link.location, "on the way, in " + link.function); });
    });
    (view.blockers || []).forEach(function (b) { if (b.location) add(b.location, b.message); });
    return found;
  }

  function excerptBlocks(view) {
    var blocks = [];
    var byKey = new Map();
    evidenceLocations(view).forEach(function (where) {
      var windows = DATA.sources[where.path] || [];
      for (var i = 0; i < windows.length; i++) {
        var first = windows[i][0], lines = windows[i][1];
        if (where.line >= first && where.line < first + lines.length) {
          var key = where.path + ":" + first;
          var block = byKey.get(key);
          if (!block) {
            block = { path: where.path, first: first, lines: lines, hits: new Map() };
            byKey.set(key, block);
            blocks.push(block);
          }
          var labels = block.hits.get(where.line) || [];
          if (labels.indexOf(where.label) < 0) labels.push(where.label);
          block.hits.set(where.line, labels);
          return;
        }
      }
    });
    return blocks.map(function (block) {
      var hitLines = Array.from(block.hits.keys()).sort(function (a, b) { return a - b; });
      var code = el("code", null, block.lines.map(function (text, index) {
        var number = block.first + index;
        var labels = block.hits.get(number);
        return el("span", { class: labels ? "line hit" : "line", "data-line": String(number),
            title: labels ? labels.join("; ") : null },
          el("span", { class: "ln", "aria-hidden": "true" }, String(number)), text + "\n");
      }));
      return el("figure", { class: "excerpt" },
        el("figcaption", null, locationMark(block.path + ":" + hitLines[0]),
          hitLines.length > 1 ? " · lines " + hitLines.join(", ") : ""),
        el("pre", null, code));
    });
  }

  function rewriteAdvice(view) {
    var advice = view.rewrite;
    var command = el("div", { class: "cmd" }, el("code", null, view.command));
    var runFrom = "Run it from " + (DATA.in_repository ? "the repository root" : "the project folder") +
      "; it prints a unified diff, and --write applies it.";
    if (advice && advice.status === "skipped") {
      return section("Rewrite it",
        el("p", { class: "skip" }, el("strong", null, "advisor rewrite skips this view today: "), advice.reason),
        el("div", { class: "hint" }, "Once that is dealt with:"), command, el("div", { class: "hint" }, runFrom));
    }
    if (advice && advice.status === "failed") {
      return section("Rewrite it",
        el("p", { class: "skip" }, el("strong", null, "advisor rewrite fails on this view: "), advice.reason),
        command, el("div", { class: "hint" }, runFrom));
    }
    if (advice && advice.status === "changed") {
      var what = view.is_async ? "advisor rewrite keeps the view async and replaces what blocks the event loop"
        : "advisor rewrite converts this view";
      var used = (advice.steps || []).filter(function (s) { return s; }).join("; ");
      return section("Rewrite it", command,
        el("p", { class: "hint plan" }, what + (used ? " (" + used + ")" : "") + "."),
        el("div", { class: "hint" }, runFrom));
    }
    return section("Rewrite it", command, el("div", { class: "hint" }, runFrom +
      " A view it cannot convert safely is skipped, with the reason."));
  }

  function effectsTable(effects) {
    var head = el("tr", null, el("th", null, "Kind"), el("th", null, "Call"),
      el("th", null, "Location"), el("th", null, "Chain"), el("th", null, "Confidence"),
      el("th", { class: "num" }, "Estimate"), el("th", null, "Async alternative"));
    var rows = effects.map(function (e) {
      var flags = [];
      if (e.multiplier > 1) flags.push("×" + e.multiplier + (e.in_loop ? " in a loop" : ""));
      if (e.in_transaction) flags.push("inside transaction.atomic");
      if (e.awaited) flags.push("awaited");
      else if (e.blocking === false) flags.push("non-blocking");
      return el("tr", { class: "effect", "data-kind": e.kind },
        el("td", null, el("span", { class: "badge plain" }, e.kind)),
        el("td", null, el("span", { class: "call" }, breakable(e.call, ".")),
          el("span", { class: "detail" }, e.detail + (flags.length ? " · " + flags.join(", ") : ""))),
        el("td", { "data-label": "at" }, locationMark(e.location)),
        el("td", { "data-label": "via" }, el("ol", { class: "chain" }, (e.chain || []).map(function (link) {
          return el("li", null, breakable(link.function, "."), " (", locationMark(link.location), ")");
        }))),
        el("td", { "data-label": "confidence" }, e.confidence),
        el("td", { class: "num", "data-label": "estimate" }, ms(e.estimated_ms)),
        el("td", { "data-label": "async alternative" }, e.alternative ? [el("code", null, breakable(e.alternative, ".")),
          e.since ? " (Django " + e.since + "+)" : ""] : "none")
      );
    });
    return el("div", { class: "table-wrap" },
      el("table", { class: "effects" }, el("thead", null, head), el("tbody", null, rows)));
  }

  function openDetail(id) {
    var view = BY_ID.get(id);
    if (!view) return;
    var badges = [badge(view)];
    if (view.score !== undefined) badges.push(el("span", { class: "badge plain" }, "score " + view.score + "/100"));
    badges.push(el("span", { class: "badge plain" }, view.kind.replace(/_/g, " ")));
    badges.push(el("span", { class: "badge plain" }, view.is_async ? "async" : "sync"));
    if (!view.routed) badges.push(el("span", { class: "badge cat-blocking" }, "not routed"));
    badges.push(el("span", { class: "badge plain" }, "app " + view.app));

    var head = document.getElementById("detail-head-text");
    head.replaceChildren(el("h2", { id: "detail-title" }, view.id),
      el("div", { class: "hint" }, "defined at ", locationMark(view.location)),
      el("div", { class: "badges" }, badges));

    var parts = [];
    if (view.category) {
      parts.push(el("div", { class: "times" },
        timeBox("time released per request", ms(view.overlap_ms)),
        timeBox("req/s per worker, sync", String(view.sync_rps)),
        timeBox("req/s per worker, async", String(view.async_rps)),
        timeBox("capacity gain", view.capacity_ratio.toFixed(1) + "x"),
        timeBox("latency sync", ms(view.sync_ms)),
        timeBox("latency async", ms(view.async_ms)),
        timeBox("latency gathered", ms(view.gathered_ms)),
        timeBox("I/O still in threads", ms(view.thread_ms)),
        timeBox("blocking I/O", ms(view.blocking_ms)),
        timeBox("CPU", ms(view.cpu_ms))));
    }
    if (view.command) parts.push(rewriteAdvice(view));
    parts.push(section("Why", (view.reasons || []).length
      ? el("ul", { class: "reasons" }, view.reasons.map(function (r) { return el("li", null, r); }))
      : el("p", { class: "empty" }, "No reasons recorded.")));
    var blockers = view.blockers || [];
    parts.push(section("Blockers and costs (" + blockers.length + ")", blockers.length
      ? blockers.map(function (b) {
        return el("div", { class: "blocker sev-" + b.severity },
          el("span", { class: "badge sev-" + b.severity }, b.severity), " ", el("strong", null, b.message),
          b.location ? [" ", locationMark(b.location)] : null,
          el("div", { class: "advice" }, "→ " + b.advice));
      })
      : el("p", { class: "empty" }, "None.")));
    var excerpts = excerptBlocks(view);
    if (excerpts.length) parts.push(section("In the code", excerpts));
    var effects = view.effects || [];
    parts.push(section("Effects (" + effects.length + ")", effects.length
      ? effectsTable(effects) : el("p", { class: "empty" }, "No I/O or other relevant effect found.")));
    if (view.observed) {
      var seen = view.observed;
      parts.push(section("Observed in the test run (" + seen.requests + " requests" +
          (seen.direct_calls ? ", " + seen.direct_calls + " called directly" : "") + ")",
        el("p", null, "SQL " + seen.sql + " per request (" + ms(seen.sql_ms) + "), outbound HTTP " +
          seen.http + " per request (" + ms(seen.http_ms) + ")"),
        (seen.disagreements || []).length
          ? el("ul", { class: "disagreements" }, seen.disagreements.map(function (d) {
            return el("li", null, el("strong", null, "disagrees: "), d);
          }))
          : el("p", { class: "empty" }, "The prediction agrees with what the tests saw."),
        (seen.sites || []).length
          ? el("ul", { class: "sites" }, seen.sites.map(function (site) {
            return el("li", null, el("span", { class: "badge" }, site.kind), " " + site.count + "× ",
              el("code", null, site.chain.join(" → ")));
          }))
          : null));
    }
    var unknown = view.unknown_calls || [];
    parts.push(section("Unknown calls (" + unknown.length + ")", unknown.length
      ? el("ul", null, unknown.map(function (u) {
        return el("li", null, el("code", null, u.expression), " at ", locationMark(u.location), " — ", u.reason);
      }))
      : el("p", { class: "empty" }, "None: every call was followed or classified.")));
    var facts = el("dl", { class: "kv" });
    (view.routes || []).forEach(function (r) {
      append(facts, [el("dt", null, "route"), el("dd", null, routeText(r.pattern) +
        (r.name ? "  name=" + r.name : "") + (r.methods && r.methods.length ? "  [" + r.methods.join(",") + "]" : "") +
        (r.action ? "  action=" + r.action : "") + (r.location ? "  (" + r.location + ")" : ""))]);
    });
    if (!(view.routes || []).length) append(facts, [el("dt", null, "route"), el("dd", null, "not routed: no URLconf reaches it")]);
    (view.handlers || []).forEach(function (h) {
      append(facts, [el("dt", null, "handler"), el("dd", null, h.name + (h.is_async ? " (async)" : "") +
        " at " + h.location + (h.defined_in ? " in " + h.defined_in : ""))]);
    });
    (view.decorators || []).forEach(function (d) { append(facts, [el("dt", null, "decorator"), el("dd", null, d)]); });
    (view.bases || []).forEach(function (b) { append(facts, [el("dt", null, "base"), el("dd", null, b)]); });
    parts.push(section("Routes and structure", facts));

    detailBody.replaceChildren.apply(detailBody, parts);
    if (!dialog.open) dialog.showModal();
    dialog.scrollTop = 0;
    openView = id;
    writeState();
  }

  function timeBox(label, value) {
    return el("div", null, el("span", { class: "v" }, value), el("span", { class: "k" }, label));
  }

  document.getElementById("detail-close").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
  dialog.addEventListener("close", function () {
    openView = "";
    writeState();
  });

  function applyHash(event) {
    // A plain anchor (#not-routed) is a jump within the page, not a view of the table.
    if (event && location.hash && location.hash.indexOf("=") < 0) return;
    var wanted = readState();
    showState();
    render();
    if (wanted && BY_ID.has(wanted)) openDetail(wanted);
    else if (dialog.open) dialog.close();
  }
  window.addEventListener("hashchange", applyHash);

  applyHash();
  document.documentElement.setAttribute("data-ready", "true");
})();
