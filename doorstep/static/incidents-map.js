// 事件地图 (issue #13 item 5): the grids of the user's area from GeoJSON (no online tiles) and the incidents as
// points clustered by Leaflet.markercluster, fetched from the page's data URL (incidents:map-data, the same filters).
// A point is coloured by its state; clicking it shows its category and state and links to its page. Words come from
// the page (#map-words, #map-labels) in the reader's language.
(function () {
  const COLOURS = {
    reported: "#1565c0", registered: "#1565c0",
    dispatched: "#ef6c00", handling: "#ef6c00",
    handled: "#6a1b9a", verified: "#6a1b9a",
    closed: "#2e7d32", closed_unsolved: "#2e7d32", reviewed: "#2e7d32", archived: "#2e7d32",
    dismissed: "#757575", merged: "#757575",
  };
  function text(value) {
    const span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span.innerHTML;
  }
  function dot(state) {
    const colour = COLOURS[state] || "#757575";
    return L.divIcon({
      className: "", iconSize: [14, 14], iconAnchor: [7, 7],
      html: '<span style="display:block;width:14px;height:14px;border-radius:50%;border:2px solid #fff;' +
        "box-shadow:0 0 2px #000;background:" + colour + '"></span>',
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    const element = document.getElementById("incident-map");
    if (!element) return;
    const words = document.getElementById("map-words").dataset;
    const labels = JSON.parse(document.getElementById("map-labels").textContent);
    const grids = JSON.parse(document.getElementById("grids-data").textContent);
    const status = document.getElementById("map-status");
    const map = L.map(element, { attributionControl: false, zoomSnap: 0.25, preferCanvas: true, maxZoom: 19 });
    const base = L.geoJSON(grids, {
      style: function () { return { color: "#555", weight: 0.8, fillColor: "#eceff1", fillOpacity: 0.5 }; },
      onEachFeature: function (f, l) { l.bindTooltip(text(f.properties.name), { sticky: true }); },
    });
    // the view first, then the layers (a layer added to a map without a view has nothing to be projected on)
    if (grids.features.length && base.getBounds().isValid()) map.fitBounds(base.getBounds());
    else map.setView([27.86, 112.9], 12);  // no grid has a shape yet: somewhere to start until the points come
    base.addTo(map);
    element.dataset.grids = String(grids.features.length);
    const cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50 });
    map.addLayer(cluster);
    const detail = element.dataset.detail;
    fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        const markers = data.features.map(function (f) {
          const p = f.properties, c = f.geometry.coordinates;
          const marker = L.marker([c[1], c[0]], { icon: dot(p.state), keyboard: false });
          marker.bindPopup(function () {
            return "<strong>" + text(labels.categories[p.category] || p.category || "—") + "</strong><br>" +
              text(labels.states[p.state] || p.state) + '<br><a href="' + detail.replace("/0/", "/" + p.id + "/") +
              '">' + text(words.open) + "</a>";
          });
          return marker;
        });
        cluster.addLayers(markers);
        if (!grids.features.length && markers.length) map.fitBounds(cluster.getBounds());  // no shapes: the points
        if (!markers.length) status.textContent = words.none;
        else if (data.capped) status.textContent = words.capped.replace("{count}", data.cap);
        else status.textContent = words.count.replace("{count}", markers.length);
        status.dataset.count = String(markers.length);
        element.dataset.ready = "1";
      })
      .catch(function () { status.textContent = words.failed; element.dataset.ready = "error"; });
  });
})();
