"""The HTML report as a reader opens it: Debian's Chromium, headless, on the built file.

Installs Chromium through tests/tools/install_chromium.sh (idempotent; skips cleanly only
when apt is unavailable). Checks: no console errors; no network request other than the
file itself and data: URIs (Chromium's net log); every table-of-contents and
cross-reference link has its target in the DOM; every figure is an embedded image that
decoded (naturalWidth > 0). A screenshot is kept at results/report/report_screenshot.png.
"""

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "results" / "report" / "report.html"
BROWSER_HOSTS = ("google.com", "googleapis.com", "gvt1.com", "gstatic.com")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

# Runs in the page after load; writes its findings into the DOM so that --dump-dom returns them.
PROBE = """
<script>
window.addEventListener('load', function () {
  var out = {missing: [], images: [], broken: []};
  document.querySelectorAll('a[href^="#"]').forEach(function (a) {
    var id = decodeURIComponent(a.getAttribute('href').slice(1));
    if (id && !document.getElementById(id)) out.missing.push(id);
  });
  document.querySelectorAll('img').forEach(function (img) {
    out.images.push(img.getAttribute('src').slice(0, 30));
    if (!(img.complete && img.naturalWidth > 0)) out.broken.push(img.getAttribute('alt') || '?');
  });
  var pre = document.createElement('pre'); pre.id = 'tkimeta-probe';
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});
</script>
"""


@pytest.fixture(scope="module")
def chromium():
    if not HTML.exists():
        pytest.skip("report not built (run the workflow first)")
    rc = subprocess.run([str(ROOT / "tests" / "tools" / "install_chromium.sh")], capture_output=True, text=True).returncode
    if rc == 3:
        pytest.skip("apt unavailable: cannot install chromium")
    assert rc == 0, "tests/tools/install_chromium.sh failed"
    return shutil.which("chromium")


def _run(chromium, args, tmp):
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp)
    return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=180)


def test_report_in_a_headless_browser(chromium, tmp_path):
    page = tmp_path / "report.html"
    html = HTML.read_text(encoding="utf-8")
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    netlog = tmp_path / "net.json"
    res = _run(chromium, ["--enable-logging=stderr", "--v=0", f"--log-net-log={netlog}", "--virtual-time-budget=5000",
                          "--dump-dom", page.as_uri()], tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    console_errors = [line for line in res.stderr.splitlines() if "CONSOLE" in line and ("ERROR" in line or "Uncaught" in line)]
    assert not console_errors, console_errors
    probe = re.search(r'<pre id="tkimeta-probe">(.*?)</pre>', res.stdout, flags=re.S)
    assert probe, "the page did not finish loading"
    found = json.loads(probe.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert not found["missing"], f"links without a target: {found['missing']}"
    assert found["images"] and not found["broken"], found["broken"]
    assert all(src.startswith("data:") for src in found["images"]), "figures must be embedded"
    # network: only the file itself (and data: URIs) may be requested
    if netlog.exists():
        urls = set(re.findall(r'"url":"([^"]+)"', netlog.read_text(encoding="utf-8", errors="replace")))
        # Chromium's own service calls (account and component-update pings to Google hosts,
        # made even with --disable-background-networking) are the browser's, not the page's:
        # they are ignored unless the page itself refers to that host.
        def browser_own(url):
            host = re.sub(r"^[a-z]+://([^/:]+).*$", r"\1", url)
            return host.endswith(BROWSER_HOSTS) and host not in html
        outside = [u for u in urls if not (u.startswith("file://") or u.startswith("data:")) and not browser_own(u)]
        assert not outside, outside
    shot = ROOT / "results" / "report" / "report_screenshot.png"
    res = _run(chromium, [f"--screenshot={shot}", "--window-size=1200,3000", "--virtual-time-budget=5000",
                          HTML.as_uri()], tmp_path)
    assert res.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000
