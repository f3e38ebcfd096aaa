// Two Leaflet maps side by side, current grids and the proposal, from GeoJSON only (no online tiles). Grids are
// coloured by how far their size is from the target; community boundaries are drawn over them with the
// community's name; clicking a grid shows its name, code, community and figures (never an internal id).
(function () {
  function colour(deviation) {
    const d = Math.abs(deviation);
    if (d <= 0.05) return "#2e7d32";
    if (d <= 0.15) return "#9ccc65";
    if (d <= 0.30) return "#ffb300";
    return "#c62828";
  }
  function text(value) {
    const span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span.innerHTML;
  }
  // the popups' words come from the page (#map-words, data-* filled by the template in the reader's language)
  const words = (document.getElementById("map-words") || { dataset: {} }).dataset;
  function word(key, chinese) { return words[key] || chinese; }
  function popup(p) {
    const yes = word("yes", "是"), no = word("no", "否");
    const rows = [
      [word("code", "编码"), p.code || word("newGrid", "新网格，实施时编号")], [word("community", "社区"), p.community],
      [word("households", "户数"), p.households], [word("buildings", "楼栋"), p.buildings],
      [word("deviation", "偏离目标"), (p.deviation * 100).toFixed(1) + "%"], [word("within", "在容差内"), p.within ? yes : no],
    ];
    if (p.compactness !== undefined) rows.push([word("compactness", "紧凑度"), p.compactness.toFixed(3)]);
    if (p.connected !== undefined) rows.push([word("connected", "连片"), p.connected ? yes : no]);
    return "<strong>" + text(p.name) + "</strong><br>" +
      rows.map(function (r) { return text(r[0]) + word("colon", "：") + text(r[1]); }).join("<br>");
  }
  function communities(map, data) {
    if (!data || !data.features.length) return;
    L.geoJSON(data, {
      interactive: false,
      style: function () { return { color: "#1a237e", weight: 2.5, fill: false }; },
      onEachFeature: function (f, l) {
        // the name at the community's centre, always shown
        l.bindTooltip(text(f.properties.name), { permanent: true, direction: "center", className: "community-label" });
      },
    }).addTo(map);
  }
  function draw(id, data, outlines) {
    const element = document.getElementById(id);
    if (!element || !data.features.length) return null;
    const map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
    const layer = L.geoJSON(data, {
      style: function (f) { return { color: "#444", weight: 0.6, fillColor: colour(f.properties.deviation), fillOpacity: 0.65 }; },
      onEachFeature: function (f, l) {
        l.bindPopup(popup(f.properties));
        l.on("click", function () { element.dataset.selected = f.properties.code || f.properties.name; });
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    communities(map, outlines);
    element.dataset.ready = "1";
    return map;
  }
  document.addEventListener("DOMContentLoaded", function () {
    const current = JSON.parse(document.getElementById("current-data").textContent);
    const proposed = JSON.parse(document.getElementById("proposed-data").textContent);
    const outlinesElement = document.getElementById("communities-data");
    const outlines = outlinesElement ? JSON.parse(outlinesElement.textContent) : null;
    const a = draw("map-current", current, outlines);
    const b = draw("map-proposed", proposed, outlines);
    if (a && b) {  // move together
      a.on("moveend", function () { b.setView(a.getCenter(), a.getZoom(), { animate: false }); });
    }
  });
})();
