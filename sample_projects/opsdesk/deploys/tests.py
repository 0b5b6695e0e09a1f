from django.contrib.auth import get_user_model
from django.urls import reverse

from core.stub_testcase import UpstreamStubTestCase, make_deploy, make_service
from deploys.models import Deploy


class DeployListViewTests(UpstreamStubTestCase):
    def test_lists_deploys(self):
        service = make_service("checkout")
        make_deploy(service, "1.4.2", environment="production")
        make_deploy(service, "1.5.0-rc1", environment="staging")
        response = self.client.get(reverse("deploys:list"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "1.4.2")
        self.assertContains(response, "1.5.0-rc1")
        response = self.client.get("/deploys/?environment=staging")
        self.assertContains(response, "1.5.0-rc1")
        self.assertNotContains(response, "1.4.2")
        self.assertNoUpstreamCalls()


class TriggerDeployTests(UpstreamStubTestCase):
    def setUp(self):
        super().setUp()
        self.service = make_service("checkout")
        self.url = reverse("deploys:trigger", kwargs={"slug": "checkout"})

    def test_creates_deploy_and_starts_pipeline(self):
        user = get_user_model().objects.create(username="ada")
        self.client.force_login(user)
        response = self.client.post(self.url, {"version": "1.6.0", "environment": "staging"})
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(data["status"], "running")
        self.assertTrue(data["pipeline_id"].startswith("pl-"))
        deploy = Deploy.objects.get(pk=data["id"])
        self.assertEqual(deploy.pipeline_id, data["pipeline_id"])
        self.assertEqual(deploy.triggered_by, user)
        self.assertUpstreamCalls([("POST", "/ci/api/pipelines")])
        self.assertEqual(
            self.stub.last_request("POST", "/ci/api/pipelines").body,
            {"service": "checkout", "version": "1.6.0", "environment": "staging"},
        )

    def test_anonymous_trigger_is_recorded_without_user(self):
        response = self.client.post(self.url, {"version": "1.6.1"})
        self.assertEqual(response.status_code, 201)
        deploy = Deploy.objects.get()
        self.assertIsNone(deploy.triggered_by)
        self.assertEqual(deploy.environment, "production")

    def test_ci_failure_rolls_back(self):
        self.stub.set_response("POST", "/ci/api/pipelines", 500, {"error": "boom"})
        response = self.client.post(self.url, {"version": "1.6.0"})
        self.assertEqual(response.status_code, 502)
        self.assertFalse(Deploy.objects.exists())
        self.assertUpstreamCalls([("POST", "/ci/api/pipelines")])

    def test_version_required(self):
        response = self.client.post(self.url, {"version": "  "})
        self.assertEqual(response.status_code, 400)
        self.assertNoUpstreamCalls()

    def test_get_not_allowed(self):
        self.assertEqual(self.client.get(self.url).status_code, 405)

    def test_unknown_service(self):
        self.assertEqual(self.client.post("/deploys/trigger/ghost/", {"version": "1"}).status_code, 404)
        self.assertNoUpstreamCalls()


class DeployPipelineViewTests(UpstreamStubTestCase):
    def setUp(self):
        super().setUp()
        self.deploy = make_deploy(
            make_service("checkout"), "1.6.0", pipeline_id="pl-77", status=Deploy.Status.RUNNING
        )
        self.url = reverse("deploys:pipeline", args=[self.deploy.pk])

    def test_requires_login(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])
        self.assertNoUpstreamCalls()

    def test_shows_pipeline_progress(self):
        self.client.force_login(get_user_model().objects.create(username="ada"))
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["pipeline_id"], "pl-77")
        self.assertEqual(data["pipeline_status"], "running")
        self.assertEqual([s["name"] for s in data["stages"]], ["build", "test", "deploy"])
        self.assertEqual(data["service"], "checkout")
        self.assertUpstreamCalls([("GET", "/ci/api/pipelines/pl-77")])

    def test_deploy_without_pipeline(self):
        self.client.force_login(get_user_model().objects.create(username="ada"))
        deploy = make_deploy(self.deploy.service, "1.6.1")
        response = self.client.get(reverse("deploys:pipeline", args=[deploy.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertNoUpstreamCalls()
