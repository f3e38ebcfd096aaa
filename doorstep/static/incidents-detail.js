// The incident page (issue #13 item 5): a small map of where the incident is — its grid's outline and its point,
// from GeoJSON only (no online tiles) — and, on the verification form, the device's position filled into hidden
// fields when the phone allows it (the record says where the check was made; without it the check still goes in).
(function () {
  function drawMap() {
    const element = document.getElementById("incident-map");
    const source = document.getElementById("incident-map-data");
    if (!element || !source || typeof L === "undefined") return;
    const data = JSON.parse(source.textContent);
    const map = L.map(element, { attributionControl: false, zoomSnap: 0.25, scrollWheelZoom: false, maxZoom: 19 });
    const outline = data.grid ? L.geoJSON({ type: "Feature", geometry: data.grid, properties: {} }, {
      style: function () { return { color: "#1a237e", weight: 2, fillColor: "#e8eaf6", fillOpacity: 0.4 }; },
    }) : null;
    // the view first: a layer drawn on a map without one has nothing to be projected on
    if (outline && outline.getBounds().isValid()) map.fitBounds(outline.getBounds(), { padding: [10, 10] });
    else if (data.point) map.setView(data.point, 17);
    else return;
    if (outline) outline.addTo(map);
    if (data.point) {
      L.circleMarker(data.point, { radius: 8, color: "#fff", weight: 2, fillColor: "#c62828", fillOpacity: 1 })
        .addTo(map);
    }
    element.dataset.ready = "1";
  }
  function fillPosition() {
    document.querySelectorAll("form[data-geo]").forEach(function (form) {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("[data-geo-latitude]").value = position.coords.latitude.toFixed(6);
        form.querySelector("[data-geo-longitude]").value = position.coords.longitude.toFixed(6);
      }, function () { /* refused or unavailable: the check is recorded without a position */ },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawMap(); fillPosition(); });
})();

// The extension form's number field takes at most what the service takes for the unit chosen (working hours or
// working days: each <option> says its own maximum).
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    const unit = document.querySelector("[data-extend-unit]");
    const value = document.querySelector("[data-extend-value]");
    if (!unit || !value) return;
    function follow() {
      const option = unit.selectedOptions[0];
      if (option && option.dataset.max) value.max = option.dataset.max;
    }
    unit.addEventListener("change", follow);
    follow();
  });
})();
