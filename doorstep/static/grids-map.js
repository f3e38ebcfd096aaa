// Two Leaflet maps side by side, current grids and the proposal, from GeoJSON only (no online tiles). Grids are
// coloured by how far their size is from the target; clicking one shows its figures.
(function () {
  function colour(deviation) {
    const d = Math.abs(deviation);
    if (d <= 0.05) return "#2e7d32";
    if (d <= 0.15) return "#9ccc65";
    if (d <= 0.30) return "#ffb300";
    return "#c62828";
  }
  function popup(p) {
    const rows = [
      ["编码", p.code], ["户数", p.households], ["楼栋", p.buildings],
      ["偏离目标", (p.deviation * 100).toFixed(1) + "%"], ["在容差内", p.within ? "是" : "否"],
    ];
    if (p.compactness !== undefined) rows.push(["紧凑度", p.compactness.toFixed(3)]);
    if (p.connected !== undefined) rows.push(["连通", p.connected ? "是" : "否"]);
    return "<strong>" + (p.name || "") + "</strong><br>" + rows.map(function (r) { return r[0] + "：" + r[1]; }).join("<br>");
  }
  function draw(id, data) {
    const element = document.getElementById(id);
    if (!element || !data.features.length) return null;
    const map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
    const layer = L.geoJSON(data, {
      style: function (f) { return { color: "#444", weight: 0.6, fillColor: colour(f.properties.deviation), fillOpacity: 0.65 }; },
      onEachFeature: function (f, l) {
        l.bindPopup(popup(f.properties));
        l.on("click", function () { element.dataset.selected = f.properties.code; });
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    element.dataset.ready = "1";
    return map;
  }
  document.addEventListener("DOMContentLoaded", function () {
    const current = JSON.parse(document.getElementById("current-data").textContent);
    const proposed = JSON.parse(document.getElementById("proposed-data").textContent);
    const a = draw("map-current", current);
    const b = draw("map-proposed", proposed);
    if (a && b) {  // move together
      a.on("moveend", function () { b.setView(a.getCenter(), a.getZoom(), { animate: false }); });
    }
  });
})();
