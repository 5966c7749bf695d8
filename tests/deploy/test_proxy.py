"""docker-compose.yml: only the reverse proxy is published, and only it is trusted with X-Forwarded-*."""

import re

import pytest
import yaml

from tests.deploy.test_production import PRODUCTION_ENV, ROOT, _interpolate


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(_interpolate((ROOT / "docker-compose.yml").read_text(), PRODUCTION_ENV))["services"]


def test_only_the_proxy_publishes_ports(services: dict) -> None:
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["ports"] == ["80:80", "443:443"]
    assert services["web"]["expose"] == ["8000"]


def test_the_proxy_image_is_pinned_to_a_release(services: dict) -> None:
    assert re.fullmatch(r"caddy:\d+\.\d+\.\d+(-alpine)?", services["proxy"]["image"])


def test_the_proxy_config_is_in_the_repository_and_forwards_to_web(services: dict) -> None:
    source = services["proxy"]["volumes"][0].split(":")[0]
    caddyfile = (ROOT / source).read_text()
    assert re.search(r"^\s*reverse_proxy web:8000\s*$", caddyfile, re.M)


@pytest.mark.parametrize("service", ["web", "worker", "beat", "migrate"])
def test_the_hub_trusts_forwarded_headers_from_the_proxys_address_only(services: dict, service: str) -> None:
    proxy_address = services["proxy"]["networks"]["edge"]["ipv4_address"]
    assert services[service]["environment"]["VIGIL_TRUSTED_PROXIES"] == proxy_address
