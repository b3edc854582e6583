/* The dashboard's time series, drawn with the vendored uPlot (no inline script: CSP default-src 'self').
 *
 * The server puts the figures the node let this person see in #dashboard-data's data-figures
 * attribute (JSON); the tables under each chart carry the same numbers for screen readers. The
 * x axis is the day's index in the window, labelled with the node's local dates, so the browser's
 * own time zone never moves a count to another day.
 */
(function () {
  "use strict";

  var PARTY_COLOURS = ["#0033a0", "#c8102e", "#007a33", "#8a4b00", "#502b85", "#00758f", "#5c5c5c"];
  var PRECEDENCE_COLOURS = { FLASH: "#c8102e", IMMEDIATE: "#8a4b00", PRIORITY: "#0033a0", ROUTINE: "#007a33" };

  function width(el) {
    return Math.max(320, el.clientWidth || 600);
  }

  function dayAxis(days) {
    return {
      values: function (u, splits) {
        return splits.map(function (i) {
          return Number.isInteger(i) && days[i] ? days[i].slice(5) : "";
        });
      },
    };
  }

  function draw(el, series, data, days, yLabel, words) {
    var options = {
      width: width(el),
      height: 280,
      scales: { x: { time: false } },
      series: [{ label: words.day, value: function (u, i) { return i == null ? "" : days[i] || ""; } }].concat(series),
      axes: [dayAxis(days), { label: yLabel }],
    };
    var chart = new uPlot(options, data, el);
    window.addEventListener("resize", function () {
      chart.setSize({ width: width(el), height: 280 });
    });
    el.setAttribute("data-drawn", "true");
    return chart;
  }

  function exchanged(el, figures, words) {
    var x = figures.days.map(function (_, i) { return i; });
    var series = [];
    var data = [x];
    var parties = {};
    function add(list, word, dash) {
      (list || []).forEach(function (s) {
        if (!(s.party in parties)) {
          parties[s.party] = PARTY_COLOURS[Object.keys(parties).length % PARTY_COLOURS.length];
        }
        series.push({ label: s.party + " " + word, stroke: parties[s.party], width: 2, dash: dash });
        data.push(s.counts);
      });
    }
    add(figures.received, words.received, undefined);
    add(figures.sent, words.sent, [6, 4]);
    return draw(el, series, data, figures.days, "", words);
  }

  function latency(el, figures, words) {
    var x = figures.days.map(function (_, i) { return i; });
    var series = [];
    var data = [x];
    figures.latency.forEach(function (s) {
      var colour = PRECEDENCE_COLOURS[s.precedence] || "#1a1a1a";
      series.push({ label: s.precedence + " p50", stroke: colour, width: 2, spanGaps: false });
      data.push(s.p50);
      series.push({ label: s.precedence + " p99", stroke: colour, width: 1, dash: [4, 4], spanGaps: false });
      data.push(s.p99);
    });
    return draw(el, series, data, figures.days, words.seconds, words);
  }

  function start() {
    var holder = document.getElementById("dashboard-data");
    if (!holder || typeof uPlot === "undefined") {
      return;
    }
    var figures = JSON.parse(holder.getAttribute("data-figures"));
    var words = {
      received: holder.getAttribute("data-received"),
      sent: holder.getAttribute("data-sent"),
      seconds: holder.getAttribute("data-seconds"),
      day: holder.getAttribute("data-day"),
    };
    var exchangedEl = document.getElementById("chart-exchanged");
    if (exchangedEl) {
      exchanged(exchangedEl, figures, words);
    }
    var latencyEl = document.getElementById("chart-latency");
    if (latencyEl && figures.latency) {
      latency(latencyEl, figures, words);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
