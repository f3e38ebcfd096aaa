// The report form of the field's incident pages (incidents/field/report.html), without inline scripts (CSP):
//   [data-report-map]        a Leaflet map of the reporter's grid from GeoJSON (#report-map-data; no tiles): tapping
//                            it sets the point, a building's dot sets the building and its point
//   [data-locate]            the device's position (navigator.geolocation) as the point
//   [data-clear-point]       forgets the point (a resident's home building is the place again, unless hidden)
//   [data-hide-identity]     a resident hiding their identity: the home building is no longer the default place
//                            (the department would learn where they live), they must pick one
//   [data-border-warning]    a grid worker's point outside their own grid: says which grid it will be filed in
//                            (the neighbouring grids' shapes come with the map's data)
//   [data-photo-input]       previews the chosen photos and says when more than data-max were chosen (shrinking a
//                            large photo before upload is doorstep.js's, for every image input)
//   [data-duplicates-url]    asks the server for possible duplicates as the category and the place are chosen
// The words shown come from the page (data-word-*), in the reader's language.
(function () {
  const form = document.querySelector("[data-report-form]");
  if (!form) return;
  const latInput = form.querySelector("[data-latitude]");
  const lonInput = form.querySelector("[data-longitude]");
  const label = form.querySelector("[data-point-label]");
  const buildingSelect = form.querySelector("[data-building-select]");
  const home = form.querySelector("[data-building-home]");
  const homeValue = home ? (home.dataset.home || "") : "";
  const hide = form.querySelector("[data-hide-identity]");
  const borderWarning = form.querySelector("[data-border-warning]");
  let shapes = { own: null, neighbours: [] };
  const mapElement = form.querySelector("[data-report-map]");
  const words = mapElement ? mapElement.dataset : {};
  let map = null, marker = null;

  function word(key, fallback) { return words[key] || fallback; }
  function hidden() { return !!(hide && hide.checked); }

  // Point in a GeoJSON Polygon or MultiPolygon (ray casting; holes count as outside).
  function inRing(ring, lat, lon) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function inPolygon(rings, lat, lon) {
    if (!rings.length || !inRing(rings[0], lat, lon)) return false;
    return !rings.slice(1).some(function (hole) { return inRing(hole, lat, lon); });
  }
  function contains(feature, lat, lon) {
    const g = feature && (feature.geometry || feature);
    if (!g || !g.coordinates) return false;
    if (g.type === "Polygon") return inPolygon(g.coordinates, lat, lon);
    if (g.type === "MultiPolygon") return g.coordinates.some(function (p) { return inPolygon(p, lat, lon); });
    return false;
  }
  // A grid worker's point outside their grid is still taken (workers report across the border), filed in the
  // grid it falls in: say so before it is sent.
  function checkBorder(lat, lon) {
    if (!borderWarning || !shapes.own) return;
    if (isNaN(lat) || isNaN(lon) || contains(shapes.own, lat, lon)) {
      borderWarning.hidden = true;
      borderWarning.textContent = "";
      return;
    }
    const other = shapes.neighbours.find(function (f) { return contains(f, lat, lon); });
    borderWarning.textContent = other
      ? word("wordOutside", "").replace("{grid}", (other.properties && other.properties.name) || "")
      : word("wordOutsideUnknown", "");
    borderWarning.hidden = false;
  }
  function changed(input) { input.dispatchEvent(new Event("change", { bubbles: true })); }

  function showPoint(lat, lon) {
    if (label) label.textContent = word("wordPoint", "已选位置") + " " + lat.toFixed(6) + ", " + lon.toFixed(6);
    checkBorder(lat, lon);
    if (!map) return;
    if (!marker) {
      marker = L.circleMarker([lat, lon], { radius: 9, color: "#b71c1c", weight: 3, fillColor: "#ef5350", fillOpacity: 0.9 });
      marker.addTo(map);
    } else {
      marker.setLatLng([lat, lon]);
    }
  }

  // Sets the point the report is at; `keepBuilding` when the point is a building's (chosen from the list or map).
  function setPoint(lat, lon, keepBuilding) {
    if (!latInput || !lonInput) return;
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (!keepBuilding) {
      if (buildingSelect) buildingSelect.value = "";
      if (home) home.value = "";  // the point says where; the home building is no longer the place
    }
    showPoint(lat, lon);
    if (mapElement) mapElement.dataset.point = latInput.value + "," + lonInput.value;
    changed(latInput);
  }

  function clearPoint() {
    if (latInput) latInput.value = "";
    if (lonInput) lonInput.value = "";
    if (buildingSelect) buildingSelect.value = "";
    if (home) home.value = hidden() ? "" : homeValue;
    if (marker && map) { map.removeLayer(marker); marker = null; }
    checkBorder(NaN, NaN);
    if (mapElement) delete mapElement.dataset.point;
    if (label) label.textContent = mapElement ? word("wordNone", "") : "";
    if (latInput) changed(latInput);
  }

  function drawMap() {
    const source = document.getElementById("report-map-data");
    if (!mapElement || !source || !window.L) return;
    const data = JSON.parse(source.textContent);
    shapes = { own: data.grid || null, neighbours: data.neighbours || [] };
    map = L.map(mapElement, { attributionControl: false, zoomSnap: 0.25 });
    // the layers are made first and added once the map has a view (a vector layer needs one to be drawn)
    const layers = [];
    let bounds = null;
    shapes.neighbours.forEach(function (feature) {
      const around = L.geoJSON(feature, {
        interactive: false,  // a tap on a neighbouring grid is a tap on the map too (and is warned about)
        style: function () { return { color: "#78909c", weight: 1, dashArray: "4 4", fillColor: "#eceff1", fillOpacity: 0.3 }; },
      });
      layers.push(around);
    });
    if (data.grid) {
      const shape = L.geoJSON(data.grid, {
        interactive: false,  // a tap on the grid's area is a tap on the map
        style: function () { return { color: "#1a237e", weight: 2, fillColor: "#90caf9", fillOpacity: 0.25 }; },
      });
      layers.push(shape);
      bounds = shape.getBounds();
    }
    (data.buildings || []).forEach(function (b) {
      const dot = L.circleMarker([b.lat, b.lon], { radius: 6, color: "#37474f", weight: 1, fillColor: "#ffffff", fillOpacity: 1 });
      dot.bindTooltip(b.name, { direction: "top" });
      dot.on("click", function (e) {
        L.DomEvent.stopPropagation(e);
        if (buildingSelect) buildingSelect.value = String(b.id);
        setPoint(b.lat, b.lon, true);
      });
      layers.push(dot);
      if (!bounds) bounds = L.latLngBounds([b.lat, b.lon], [b.lat, b.lon]);
      else bounds.extend([b.lat, b.lon]);
    });
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], maxZoom: 18 });
    else map.setView([0, 0], 2);
    layers.forEach(function (layer) { layer.addTo(map); });
    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, false); });
    const lat = parseFloat(latInput && latInput.value), lon = parseFloat(lonInput && lonInput.value);
    if (!isNaN(lat) && !isNaN(lon)) showPoint(lat, lon);
    mapElement.dataset.ready = "1";
  }

  const locate = form.querySelector("[data-locate]");
  if (locate) {
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) {
        if (label) label.textContent = word("wordDenied", "");
        return;
      }
      if (label) label.textContent = word("wordLocating", "");
      navigator.geolocation.getCurrentPosition(function (position) {
        setPoint(position.coords.latitude, position.coords.longitude, false);
        if (map) map.setView([position.coords.latitude, position.coords.longitude], Math.max(map.getZoom(), 17));
      }, function () {
        if (label) label.textContent = word("wordDenied", "");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  const clear = form.querySelector("[data-clear-point]");
  if (clear) clear.addEventListener("click", clearPoint);

  if (hide && home) {
    const homeNote = form.querySelector("[data-home-place]");
    const hiddenNote = form.querySelector("[data-hidden-place]");
    hide.addEventListener("change", function () {
      const hiding = hidden();
      const pointChosen = latInput && latInput.value !== "";
      home.value = hiding || pointChosen ? "" : homeValue;
      if (homeNote) homeNote.hidden = hiding;
      if (hiddenNote) hiddenNote.hidden = !hiding;
      changed(home);
    });
  }

  if (buildingSelect) {
    buildingSelect.addEventListener("change", function () {
      const option = buildingSelect.selectedOptions[0];
      const lat = parseFloat(option && option.dataset.lat), lon = parseFloat(option && option.dataset.lon);
      if (!isNaN(lat) && !isNaN(lon)) {
        setPoint(lat, lon, true);
        if (map) map.panTo([lat, lon]);
      }
    });
  }

  // Photos: a thumbnail of each (drawn small on a canvas: the page's policy allows data: images, not blob:), and a
  // warning when more were chosen than a report takes.
  const photos = form.querySelector("[data-photo-input]");
  if (photos) {
    const preview = form.querySelector("[data-photo-preview]");
    const note = form.querySelector("[data-photo-note]");
    const noteText = note ? note.textContent : "";
    photos.addEventListener("change", function () {
      const files = Array.from(photos.files || []);
      const max = parseInt(photos.dataset.max || "9", 10);
      if (note) {
        const tooMany = files.length > max;
        note.textContent = tooMany ? note.dataset.wordTooMany : noteText;
        note.classList.toggle("text-danger", tooMany);
        photos.classList.toggle("is-invalid", tooMany);
      }
      if (!preview) return;
      preview.replaceChildren();
      files.slice(0, max).forEach(function (file) {
        if (!window.createImageBitmap) return;
        createImageBitmap(file).then(function (bitmap) {
          const side = 64, scale = Math.max(side / bitmap.width, side / bitmap.height);
          const canvas = document.createElement("canvas");
          canvas.width = side; canvas.height = side;
          canvas.getContext("2d").drawImage(bitmap, (side - bitmap.width * scale) / 2,
            (side - bitmap.height * scale) / 2, bitmap.width * scale, bitmap.height * scale);
          if (bitmap.close) bitmap.close();
          const img = document.createElement("img");
          img.src = canvas.toDataURL("image/jpeg", 0.7);
          img.width = side; img.height = side; img.alt = file.name;
          img.className = "rounded border";
          preview.appendChild(img);
        }).catch(function () { /* not an image the browser can read: the server says so */ });
      });
    });
  }

  // Duplicate hints: once a category and a place are known, the server's fragment (only what the user may see).
  const hints = form.querySelector("[data-duplicates-url]");
  if (hints) {
    let timer = null, asked = "";
    function ask() {
      const params = new URLSearchParams();
      const value = function (name) {
        const checked = form.querySelector("[name=" + name + "]:checked");
        const field = checked || form.querySelector("select[name=" + name + "], input[name=" + name + "]:not([type=radio])");
        return field ? field.value : "";
      };
      params.set("category", value("category"));
      params.set("lat", value("latitude"));
      params.set("lon", value("longitude"));
      params.set("building", value("building"));
      const query = params.toString();
      if (query === asked) return;
      asked = query;
      if (!params.get("category")) { hints.replaceChildren(); return; }
      fetch(hints.dataset.duplicatesUrl + "?" + query, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { if (asked === query) hints.innerHTML = html; })
        .catch(function () { /* a hint only: the report is still taken */ });
    }
    form.addEventListener("change", function (event) {
      const name = event.target && event.target.name;
      if (!["category", "latitude", "longitude", "building"].includes(name)) return;
      clearTimeout(timer);
      timer = setTimeout(ask, 300);
    });
    if (form.querySelector("[name=category]") && form.querySelector("[name=category]").value) setTimeout(ask, 0);
  }

  drawMap();
})();
