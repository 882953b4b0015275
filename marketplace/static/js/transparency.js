// The dashboard's charts: utilisation per week and per month, drawn with the vendored uPlot from the JSON block
// the page carries (the CSP allows no inline script). The tables beside them hold the same figures.
(function () {
  "use strict";
  var source = document.getElementById("transparency-data");
  if (!source || typeof uPlot === "undefined") { return; }
  var data = JSON.parse(source.textContent);

  function draw(element) {
    var series = data[element.getAttribute("data-chart")];
    var xs = series.labels.map(function (_label, index) { return index; });
    var ys = series.values.map(function (value) { return value === null ? null : Math.round(value * 1000) / 10; });
    var width = Math.max(280, element.clientWidth);
    new uPlot({
      width: width,
      height: Math.round(width * 0.6),
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [
        { values: function (_u, ticks) { return ticks.map(function (t) { return series.labels[t] || ""; }); },
          font: "14px sans-serif", size: 60, rotate: -45 },
        { font: "14px sans-serif", values: function (_u, ticks) { return ticks.map(function (t) { return t + "%"; }); } }
      ],
      legend: { show: true },
      series: [{ label: "" }, { label: data.label, stroke: "#c8102e", width: 3, fill: "rgba(200,16,46,.12)",
                                points: { size: 8 } }]
    }, [xs, ys], element);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
}());
