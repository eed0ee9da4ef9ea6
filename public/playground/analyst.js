// Analysts' tools for the playground: a chart of a storeStats result (uPlot, served by the
// gateway) and "Download CSV" of the first list in the last result. Everything happens in the
// page: no new endpoint, and the CSV holds exactly what the API returned (a personal field the
// key may not read came back null and stays empty).
(function () {
  'use strict';
  var last = null; // the last answer GraphiQL received for a query the user ran
  var chart = null;

  /** GraphiQL's fetcher, remembering each answer (not the schema introspection). */
  function wrapFetcher(fetcher) {
    return function (params, opts) {
      var result = fetcher(params, opts);
      if (params && params.operationName !== 'IntrospectionQuery' && result && typeof result.then === 'function') {
        result.then(function (value) {
          if (value && typeof value === 'object' && !(Symbol.asyncIterator in value)) {
            last = value;
            update();
          }
        }, function () {});
      }
      return result;
    };
  }

  // ---- the first list of a result, as rows ---------------------------------------------

  /** Depth first, in the answer's field order: the first array under `data`. */
  function firstList(value) {
    if (Array.isArray(value)) return value;
    if (value && typeof value === 'object') {
      for (var k in value) {
        if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
        var found = firstList(value[k]);
        if (found) return found;
      }
    }
    return null;
  }

  /** One flat row per item: nested objects as dotted columns, nested lists as JSON text. */
  function flatten(item, prefix, row) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      row[prefix || 'value'] = item;
      return row;
    }
    for (var k in item) {
      if (!Object.prototype.hasOwnProperty.call(item, k)) continue;
      var key = prefix ? prefix + '.' + k : k;
      var v = item[k];
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, row);
      else row[key] = v;
    }
    return row;
  }

  function tableOf(result) {
    var list = result && result.data ? firstList(result.data) : null;
    if (!list) return null;
    var rows = list.map(function (item) {
      return flatten(item, '', {});
    });
    var columns = [];
    rows.forEach(function (r) {
      Object.keys(r).forEach(function (k) {
        if (columns.indexOf(k) < 0) columns.push(k);
      });
    });
    return { columns: columns, rows: rows };
  }

  function cell(v) {
    if (v === null || v === undefined) return '';
    var s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    // A spreadsheet runs a cell starting with = + - @ as a formula: shop-sent text is data.
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function toCsv(table) {
    var lines = [table.columns.map(cell).join(',')];
    table.rows.forEach(function (r) {
      lines.push(table.columns.map(function (c) {
        return cell(r[c]);
      }).join(','));
    });
    return lines.join('\r\n') + '\r\n';
  }

  function downloadCsv() {
    var table = tableOf(last);
    if (!table) return;
    var blob = new Blob([toCsv(table)], { type: 'text/csv;charset=utf-8' });
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = 'result.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 1000);
  }

  // ---- the chart ------------------------------------------------------------------------

  /** The `buckets` of the first storeStats in the answer, if any. */
  function statsOf(result) {
    var found = null;
    (function walk(v) {
      if (found || !v || typeof v !== 'object') return;
      if (!Array.isArray(v) && Array.isArray(v.buckets) && v.buckets.length && v.buckets[0] && 'start' in v.buckets[0]) {
        found = v.buckets;
        return;
      }
      for (var k in v) if (Object.prototype.hasOwnProperty.call(v, k)) walk(v[k]);
    })(result && result.data);
    return found;
  }

  var COLORS = ['#d9822b', '#2b8a3e', '#7048e8', '#c2255c', '#1098ad'];

  function drawChart() {
    var buckets = statsOf(last);
    var panel = document.getElementById('analyst-chart');
    if (chart) {
      chart.destroy();
      chart = null;
    }
    panel.textContent = '';
    if (!buckets) {
      panel.removeAttribute('data-buckets');
      panel.textContent = 'Run a query with storeStats { buckets { start orders revenue { currency amount } } } (the DailyStats tab), then Chart.';
      return;
    }
    var xs = buckets.map(function (b) {
      return Date.parse(b.start) / 1000;
    });
    var currencies = [];
    buckets.forEach(function (b) {
      (b.revenue || []).forEach(function (m) {
        if (currencies.indexOf(m.currency) < 0) currencies.push(m.currency);
      });
    });
    currencies.sort();
    var data = [xs, buckets.map(function (b) {
      return typeof b.orders === 'number' ? b.orders : null;
    })];
    var series = [{}, { label: 'Orders', stroke: '#1c7ed6', width: 2, scale: 'orders', points: { show: false } }];
    currencies.forEach(function (c, i) {
      data.push(buckets.map(function (b) {
        var m = (b.revenue || []).filter(function (r) {
          return r.currency === c;
        })[0];
        // Display only: the exact amount stays in the result and in the CSV.
        return m ? Number(m.amount) : 0;
      }));
      series.push({ label: 'Revenue ' + c, stroke: COLORS[i % COLORS.length], width: 2, scale: 'revenue', points: { show: false } });
    });
    var width = Math.max(400, panel.clientWidth - 16);
    chart = new uPlot({
      width: width,
      height: 240,
      series: series,
      scales: { x: { time: true }, orders: { auto: true }, revenue: { auto: true } },
      axes: [{}, { scale: 'orders', label: 'Orders' }, { scale: 'revenue', side: 1, label: 'Revenue', size: 80, grid: { show: false } }],
    }, data, panel);
    panel.setAttribute('data-buckets', String(buckets.length));
    panel.setAttribute('data-orders', String(data[1].reduce(function (s, n) {
      return s + (n || 0);
    }, 0)));
    panel.setAttribute('data-series', series.slice(1).map(function (s) {
      return s.label;
    }).join('|'));
  }

  // ---- the bar ----------------------------------------------------------------------------

  function update() {
    var csv = document.getElementById('analyst-csv');
    var chartButton = document.getElementById('analyst-chart-toggle');
    var status = document.getElementById('analyst-status');
    if (!csv) return;
    var table = tableOf(last);
    csv.disabled = !table;
    chartButton.disabled = !statsOf(last) && !document.body.classList.contains('chart-open');
    status.textContent = table ? 'First list of the last result: ' + table.rows.length + ' rows' : last ? 'The last result has no list' : '';
    if (document.body.classList.contains('chart-open')) drawChart();
  }

  function mount() {
    document.getElementById('analyst-csv').addEventListener('click', downloadCsv);
    document.getElementById('analyst-chart-toggle').addEventListener('click', function () {
      var open = document.body.classList.toggle('chart-open');
      this.setAttribute('aria-pressed', String(open));
      this.textContent = open ? 'Hide chart' : 'Chart';
      if (open) drawChart();
      else if (chart) {
        chart.destroy();
        chart = null;
      }
      update();
    });
    update();
  }

  window.PlaygroundAnalyst = { wrapFetcher: wrapFetcher, mount: mount };
})();
