// The API docs page (/api/docs): Swagger UI from static/vendor/swagger-ui, settings from the page's JSON element.
// A file, not an inline script, so the Content-Security-Policy can refuse every inline script.
(function () {
  const config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  window.ui = SwaggerUIBundle(config);
})();
