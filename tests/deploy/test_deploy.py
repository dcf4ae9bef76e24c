"""deploy/nginx_conf.py: the mirrored frontend files are exact, the configuration is valid nginx, and
the app works through it in real Chromium (static files from nginx, page and websocket from
Streamlit)."""

from __future__ import annotations

import gzip
import subprocess
import urllib.request

import pytest
from browser_support import (
    NGINX,
    _deploy_module,
    assert_no_exception,
    nginx_missing_reason,
    nginx_proxy,
    screenshot,
    skip_or_fail,
    wait_for_app,
)

from gdviz.ui.i18n import EN

conf = _deploy_module()


@pytest.fixture(scope="module")
def nginx_installed():
    reason = nginx_missing_reason()
    if reason:
        skip_or_fail(reason)


def test_mirror_copies_every_file_and_gzips_the_text_ones(tmp_path):
    source = tmp_path / "src"
    (source / "js").mkdir(parents=True)
    (source / "js" / "a.js").write_text("const x = 1;\n" * 500)
    (source / "media").mkdir()
    (source / "media" / "f.woff2").write_bytes(bytes(range(256)) * 4)
    files, raw, packed = conf.mirror_static(tmp_path / "out", source)
    assert files == 2
    assert raw == 13 * 500 + 1024
    assert (tmp_path / "out" / "js" / "a.js").read_bytes() == (source / "js" / "a.js").read_bytes()
    assert (
        gzip.decompress((tmp_path / "out" / "js" / "a.js.gz").read_bytes())
        == (source / "js" / "a.js").read_bytes()
    )
    # already-compressed fonts are copied, not gzipped
    assert not (tmp_path / "out" / "media" / "f.woff2.gz").exists()
    assert packed < raw


def test_rendered_configuration_names_what_it_was_given(tmp_path):
    text = conf.render(
        listen="127.0.0.1:9999",
        upstream="127.0.0.1:8501",
        static_dir=tmp_path / "static/",
        mime_types="/etc/nginx/mime.types",
        runtime_dir=tmp_path,
    )
    assert "listen 127.0.0.1:9999;" in text
    assert "server 127.0.0.1:8501 max_fails=1" in text
    assert f"alias {tmp_path / 'static'}/;" in text
    assert f"pid {tmp_path / 'nginx.pid'};" in text
    # the websocket needs the upgrade headers and the port in Host (Streamlit checks the Origin)
    assert "proxy_set_header Upgrade $http_upgrade;" in text and "proxy_set_header Host $http_host;" in text


def test_configuration_passes_nginx_t(tmp_path, nginx_installed):
    (tmp_path / "static").mkdir()
    path = tmp_path / "nginx.conf"
    path.write_text(
        conf.render(
            listen="127.0.0.1:9",
            upstream="127.0.0.1:8501",
            static_dir=tmp_path / "static",
            mime_types=conf.find_mime_types(),
            runtime_dir=tmp_path,
        )
    )
    done = subprocess.run(
        [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(path)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def proxied(app_url, nginx_installed):
    with nginx_proxy(app_url) as url:
        yield url


@pytest.mark.browser
def test_app_works_behind_nginx(page, proxied):
    served_by: dict[str, str | None] = {}
    page.on("response", lambda r: served_by.setdefault(r.url, r.headers.get("x-served-by")))
    page.goto(proxied)
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot .imagelayer image", state="attached", timeout=30_000)
    assert_no_exception(page)
    statics = {u: s for u, s in served_by.items() if "/static/" in u}
    assert statics and all(s == "nginx" for s in statics.values()), "frontend files not from nginx"
    assert served_by.get(proxied + "/") is None, "the page itself should come from Streamlit"
    # a rerun through the proxied websocket: the language switch
    page.locator('[data-testid="stSidebar"] button', has_text="中文").first.click()
    page.wait_for_selector(f'[data-testid="stSidebar"] >> text="{EN["problem"]}"', state="detached")
    wait_for_app(page)
    assert_no_exception(page)
    screenshot(page, "behind_nginx_zh")


@pytest.mark.browser
def test_nginx_sends_gzipped_immutable_bundles(proxied):
    with urllib.request.urlopen(proxied) as resp:
        html = resp.read().decode()
    script = html.split('src="./static/js/', 1)[1].split('"', 1)[0]
    req = urllib.request.Request(f"{proxied}/static/js/{script}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req) as resp:
        body = resp.read()
        assert resp.headers["Content-Encoding"] == "gzip"
        assert "immutable" in resp.headers["Cache-Control"]
    assert gzip.decompress(body)
