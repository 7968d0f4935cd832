/**
 * The exported page's own script, as text (it runs in the browser, inlined: no CDN, no module).
 * It reads two JSON blocks, #ctr-cast (the recording) and #ctr-page (chapters, chart series),
 * starts asciinema-player on the recording, lists the chapters, and draws the memory chart as
 * SVG with a cursor that follows playback (getCurrentTime, polled: the player has no time
 * event) and click-to-seek. `window.ctrTui` is there for people poking at it (and the tests).
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var cast = JSON.parse(document.getElementById('ctr-cast').textContent);
  var page = JSON.parse(document.getElementById('ctr-page').textContent);
  var player = AsciinemaPlayer.create({ data: cast }, document.getElementById('player'), {
    fit: 'width',
    terminalFontSize: 'small',
    idleTimeLimit: page.idleTimeLimit || undefined,
  });
  var api = { player: player, cursorTime: null, page: page };
  window.ctrTui = api;

  function clock(s) {
    s = Math.max(0, Math.floor(s));
    var m = Math.floor(s / 60), ss = String(s % 60);
    return m + ':' + (ss.length < 2 ? '0' + ss : ss);
  }

  // Chapters: one per marker, in order; a click seeks to it (the player's own marker seek).
  var list = document.getElementById('chapters');
  if (page.markers.length === 0) {
    list.insertAdjacentHTML('beforeend', '<p class="none">This recording has no markers.</p>');
  } else {
    var ol = document.createElement('ol');
    page.markers.forEach(function (m, i) {
      var li = document.createElement('li');
      var a = document.createElement('button');
      a.type = 'button';
      a.className = 'chapter' + (m.oom ? ' oom' : '');
      a.dataset.index = String(i);
      a.dataset.time = String(m.time);
      a.innerHTML = '<span class="t"></span> <span class="label"></span>';
      a.querySelector('.t').textContent = clock(m.time);
      a.querySelector('.label').textContent = m.label;
      a.addEventListener('click', function () { api.seekChapter(i); });
      li.appendChild(a);
      ol.appendChild(li);
    });
    list.appendChild(ol);
  }
  api.seekChapter = function (i) {
    return player.seek({ marker: i }).then(function () { return player.play(); });
  };

  // The memory chart.
  var chart = document.getElementById('chart');
  var cursor = null, xOf = null, tOf = null;
  if (page.series.length === 0) {
    chart.insertAdjacentHTML('beforeend', '<p class="none">' + page.noChart + '</p>');
  } else {
    var W = 900, H = 260, L = 64, R = 12, T = 12, B = 28;
    var duration = Math.max(page.duration, 0.001);
    // A round step (1, 2 or 5 times a power of ten, in MiB) for four or five grid lines.
    var MiB = 1048576, raw = (page.maxBytes * 1.05) / 4 / MiB, pow = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 0.001))));
    var step = [1, 2, 5, 10].map(function (m) { return m * pow; }).filter(function (s) { return s >= raw; })[0] * MiB;
    var top = Math.ceil((page.maxBytes * 1.05) / step) * step;
    xOf = function (t) { return L + (t / duration) * (W - L - R); };
    tOf = function (x) { return Math.min(duration, Math.max(0, ((x - L) / (W - L - R)) * duration)); };
    var yOf = function (b) { return T + (1 - b / top) * (H - T - B); };
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('id', 'memory-svg');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'memory of each container over the recording; click to seek');
    function el(name, attrs, parent) {
      var e = document.createElementNS(SVG, name);
      for (var k in attrs) e.setAttribute(k, attrs[k]);
      (parent || svg).appendChild(e);
      return e;
    }
    function mib(b) { return (b / 1048576).toFixed(b > 0 && b < 10485760 ? 1 : 0) + ' MiB'; }
    // Axes and grid.
    for (var b = 0; b <= top + 1; b += step) {
      var y = yOf(b);
      el('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' });
      el('text', { x: L - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }).textContent = mib(b);
    }
    for (var k2 = 0; k2 <= 6; k2++) {
      var t = (duration / 6) * k2;
      el('text', { x: xOf(t), y: H - 8, class: 'axis', 'text-anchor': 'middle' }).textContent = clock(t);
    }
    page.series.forEach(function (s, i) {
      var colour = 'var(--c' + (i % 6) + ')';
      var pts = s.points.map(function (p) { return xOf(p[0]).toFixed(1) + ',' + yOf(p[1]).toFixed(1); }).join(' ');
      el('polyline', { points: pts, class: 'memory', style: 'stroke:' + colour, 'data-name': s.name });
      if (s.limits.length) {
        // The limit as a step line: each value holds until the next.
        var d = '';
        s.limits.forEach(function (p, j) {
          var next = j + 1 < s.limits.length ? s.limits[j + 1][0] : duration;
          d += (j ? 'L' : 'M') + xOf(p[0]).toFixed(1) + ',' + yOf(p[1]).toFixed(1) + 'L' + xOf(next).toFixed(1) + ',' + yOf(p[1]).toFixed(1);
        });
        el('path', { d: d, class: 'limit', style: 'stroke:' + colour, 'data-name': s.name });
      }
    });
    page.ooms.forEach(function (o) {
      var x = xOf(o.time);
      var mark = el('g', { class: 'oom-mark', 'data-time': String(o.time) });
      el('line', { x1: x, x2: x, y1: T, y2: H - B }, mark);
      el('text', { x: x + 3, y: T + 10 }, mark).textContent = 'OOM ' + o.name;
      el('title', {}, mark).textContent = o.label;
    });
    cursor = el('line', { x1: L, x2: L, y1: T, y2: H - B, id: 'chart-cursor' });
    svg.addEventListener('click', function (ev) {
      var box = svg.getBoundingClientRect();
      var t = tOf(((ev.clientX - box.left) / box.width) * W);
      player.seek(t);
    });
    chart.appendChild(svg);
    var legend = document.createElement('ul');
    legend.className = 'legend';
    page.series.forEach(function (s, i) {
      var li = document.createElement('li');
      li.innerHTML = '<span class="swatch" style="background:var(--c' + (i % 6) + ')"></span> ';
      li.appendChild(document.createTextNode(s.name + (s.limit ? ' (limit ' + mib(s.limit) + ', dashed)' : '')));
      legend.appendChild(li);
    });
    chart.appendChild(legend);
  }

  // The cursor, the clock and the current chapter follow playback.
  var now = document.getElementById('now');
  function follow() {
    Promise.resolve(player.getCurrentTime()).then(function (t) {
      if (typeof t !== 'number' || !isFinite(t)) return;
      api.cursorTime = t;
      if (cursor) {
        var x = xOf(Math.min(t, page.duration));
        cursor.setAttribute('x1', x);
        cursor.setAttribute('x2', x);
        cursor.setAttribute('data-time', String(t));
      }
      var current = -1;
      page.markers.forEach(function (m, i) { if (m.time <= t + 1e-6) current = i; });
      var buttons = document.querySelectorAll('.chapter');
      for (var i = 0; i < buttons.length; i++) buttons[i].classList.toggle('current', i === current);
      now.textContent = clock(t) + ' / ' + clock(page.duration) + (current >= 0 ? '  ·  ' + page.markers[current].label : '');
    });
  }
  setInterval(follow, 100);
  follow();
})();
`;
