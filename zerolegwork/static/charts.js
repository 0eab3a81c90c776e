// Progress charts (reports/_charts.html) with ECharts: data-url answers the periods, series and photos;
// the panel's words come from the JSON block <script type="application/json" id="<panel id>-words">.
(function () {
  "use strict";
  function line(name, data, dashed) {
    return {name: name, type: "line", data: data, connectNulls: true, symbolSize: 6,
            lineStyle: dashed ? {type: "dashed"} : undefined};
  }
  function draw(el, periods, series, yName, max) {
    var chart = echarts.init(el);
    chart.setOption({
      textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},  // the bundled web font on canvas too
      tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 56, right: 16, top: 32, bottom: 28},
      xAxis: {type: "category", data: periods}, yAxis: {type: "value", name: yName, max: max},
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function filled(values) {
    return (values || []).some(function (v) { return v !== null && v !== undefined && v !== ""; });
  }
  // a chart with nothing to draw says so in words instead of drawing empty axes
  function empty(el, text) {
    el.classList.add("zlw-chart-empty"); el.setAttribute("data-empty", ""); el.removeAttribute("role");
    el.textContent = text;
  }
  function photos(el, items, words) {
    if (!items.length) { empty(el, words.noPhotos); return; }
    items.forEach(function (p) {
      var fig = document.createElement("figure"), a = document.createElement("a"), img = document.createElement("img");
      var cap = document.createElement("figcaption");
      a.href = p.url; a.target = "_blank"; a.rel = "noopener";
      img.src = p.url; img.alt = p.filename; img.loading = "lazy";
      cap.className = "small text-muted text-truncate"; cap.textContent = p.date + (p.project ? " " + p.project : "");
      a.appendChild(img); fig.appendChild(a); fig.appendChild(cap); el.appendChild(fig);
    });
  }
  document.querySelectorAll(".zlw-progress[data-url]:not([data-started])").forEach(function (box) {
    box.setAttribute("data-started", "");
    var words = JSON.parse(document.getElementById(box.id + "-words").textContent);
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (d) {
        photos(box.querySelector('[data-chart="photos"]'), d.photos, words);
        if (!d.periods.length) { box.querySelector(".zlw-status").textContent = words.empty; }
        var investment = box.querySelector('[data-chart="investment"]');
        var funds = box.querySelector('[data-chart="funds"]');
        var percent = box.querySelector('[data-chart="percent"]');
        if (filled(d.investment_completed)) {
          draw(investment, d.periods, [line(words.actual, d.investment_completed), line(words.plan, d.plan, true)], words.unit);
        } else { empty(investment, words.noInvestment); }
        if (filled(d.funds_disbursed)) {
          draw(funds, d.periods, [line(words.funds, d.funds_disbursed), line(words.plan, d.plan, true)], words.unit);
        } else { empty(funds, words.noFunds); }
        if (filled(d.time_progress) || filled(d.work_quantity_progress)) {
          draw(percent, d.periods,
               [line(words.time, d.time_progress, true), line(words.work, d.work_quantity_progress)], "%", 100);
        } else { empty(percent, words.noPercent); }
        box.dataset.ready = String(d.periods.length);
      })
      .catch(function () { box.querySelector(".zlw-status").textContent = words.failed; box.dataset.ready = "error"; });
  });
})();
