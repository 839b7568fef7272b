"""Production settings pass Django's deployment checklist."""

import secrets

from tests.servers import manage, pdf_signing_env


def test_production_settings_pass_check_deploy(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={
        **pdf_signing_env(tmp_path / "pki"),
        "SUNSHINE_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "ggzy.example.gov.cn",
        "SITE_URL": "https://ggzy.example.gov.cn",
    })
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_check_refuses_a_loopback_site_url(tmp_path):
    """Open data links each signed PDF under SITE_URL in releases never changed: the default is make run's address."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={
        **pdf_signing_env(tmp_path / "pki"),
        "SUNSHINE_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "ggzy.example.gov.cn",
    })
    assert result.returncode != 0 and "opendata.W001" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", env={"SUNSHINE_ENV": "production", "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0


def test_embedded_default_needs_no_services(tmp_path):
    from tests.servers import embedded_env

    env = embedded_env(tmp_path)
    result = manage("diffsettings", "--all", env=env, inherit=False)
    assert result.returncode == 0
    assert "sqlite3" in result.stdout and "InMemoryChannelLayer" in result.stdout
    assert "CELERY_TASK_ALWAYS_EAGER = True" in result.stdout
