/* The chart of the figures page (incidents/figures/index.html): 立案数 and 结案数 per group as bars, 结案率 as a line on
   a percent axis, drawn with ECharts from the JSON the page carries (<script type="application/json">: no inline
   script under the Content-Security-Policy). A click on a bar opens the records behind it, like the table's links. */
(function () {
  "use strict";
  var holder = document.getElementById("figures-chart");
  var source = document.getElementById("figures-chart-data");
  if (!holder || !source || typeof window.echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  if (!data.labels.length) {
    holder.hidden = true;
    return;
  }
  var chart = window.echarts.init(holder, null, {renderer: "svg"});
  var series = data.series.map(function (s) {
    return {name: s.name, type: "bar", data: s.data, cursor: "pointer"};
  });
  series.push({name: data.rate.name, type: "line", yAxisIndex: 1, data: data.rate.data});
  chart.setOption({
    animation: false,
    tooltip: {trigger: "axis"},
    legend: {top: 0},
    grid: {left: 8, right: 8, bottom: 8, top: 36, containLabel: true},
    xAxis: {type: "category", data: data.labels,
            axisLabel: {interval: 0, rotate: data.labels.length > 5 ? 30 : 0}},
    yAxis: [{type: "value", minInterval: 1},
            {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}}],
    series: series
  });
  chart.on("click", function (params) {
    var clicked = data.series[params.seriesIndex];
    if (clicked && clicked.links && clicked.links[params.dataIndex]) {
      window.location.href = clicked.links[params.dataIndex];
    }
  });
  window.addEventListener("resize", function () {
    chart.resize();
  });
}());
