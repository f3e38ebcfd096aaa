"""Copy the front-end packages installed by npm into doorstep/static/vendor.

Government intranets are often offline, so pages never load anything from a CDN: every script and stylesheet the
templates use is copied here at setup and served by whitenoise.
"""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "doorstep" / "static" / "vendor"

# (source inside node_modules, destination inside static/vendor)
FILES = [
    ("bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"),
    ("bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    # clustering thousands of incident points on the command center's map (issue #13 item 5)
    ("leaflet.markercluster/dist/leaflet.markercluster.js", "leaflet.markercluster/leaflet.markercluster.js"),
    ("leaflet.markercluster/dist/MarkerCluster.css", "leaflet.markercluster/MarkerCluster.css"),
    ("leaflet.markercluster/dist/MarkerCluster.Default.css", "leaflet.markercluster/MarkerCluster.Default.css"),
    # Swagger UI for the API docs page (/api/docs); the bundle includes everything the page needs.
    ("swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"),
    ("swagger-ui-dist/swagger-ui.css", "swagger-ui/swagger-ui.css"),
    ("swagger-ui-dist/favicon-32x32.png", "swagger-ui/favicon-32x32.png"),
    # The Chinese font printed papers are drawn and their PDFs embedded with (Noto Sans SC, OFL): the machines
    # have no CJK font, and a PDF for the archive must carry its own (docs/decisions.md, issue #11 item 3).
    ("@embedpdf/fonts-sc/fonts/NotoSansHans-Regular.otf", "fonts/NotoSansSC-Regular.otf"),
    ("@embedpdf/fonts-sc/fonts/NotoSansHans-Bold.otf", "fonts/NotoSansSC-Bold.otf"),
    ("@embedpdf/fonts-sc/LICENSE", "fonts/LICENSE-OFL.txt"),
]
DIRS = [("leaflet/dist/images", "leaflet/images")]


def main() -> None:
    for src, dst in FILES:
        target = VENDOR / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE / src, target)
    for src, dst in DIRS:
        shutil.copytree(NODE / src, VENDOR / dst, dirs_exist_ok=True)
    print(f"static vendor files copied to {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
