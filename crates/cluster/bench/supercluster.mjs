// Times Mapbox supercluster on the points written by
// `cargo run --release -p solidarity-map-cluster --example bench`, so both
// indexes are measured on the same data in the same run.
// Usage: node supercluster.mjs POINTS.csv RUNS   (CSV lines: lon,lat,category)
// Prints `key=value` lines (times in milliseconds, medians).
// `supercluster` is a dev dependency of the root package.json (one npm
// install for the whole project): Node finds it in ../../../node_modules.
import { readFileSync } from 'node:fs';
import Supercluster from 'supercluster';

const [file, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 3);
const features = [];
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line) continue;
  const [lon, lat, category] = line.split(',');
  features.push({
    type: 'Feature',
    properties: { category: Number(category) },
    geometry: { type: 'Point', coordinates: [Number(lon), Number(lat)] },
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rss = () => process.memoryUsage().rss;

let index;
const loads = [];
let rssDelta = 0;
for (let r = 0; r < runs; r++) {
  index = null;
  globalThis.gc?.();
  const before = rss();
  const t = performance.now();
  index = new Supercluster({ radius: 60, maxZoom: 16 }).load(features);
  loads.push(performance.now() - t);
  if (r === 0) rssDelta = rss() - before;
}

function timeQuery(bbox, zoom) {
  const times = [];
  let n = 0;
  for (let i = 0; i < 101; i++) {
    const t = performance.now();
    n = index.getClusters(bbox, zoom).length;
    times.push(performance.now() - t);
  }
  return [median(times), n];
}

const [z2, z2Items] = timeQuery([-180, -85, 180, 85], 2);
const [z12, z12Items] = timeQuery([35.0, 31.66, 35.44, 31.9], 12);
console.log(`points=${features.length}`);
console.log(`load_ms=${median(loads)}`);
console.log(`load_runs_ms=${loads.map((x) => x.toFixed(1)).join(' ')}`);
console.log(`rss_delta_mb=${(rssDelta / 1048576).toFixed(1)}`);
console.log(`query_z2_ms=${z2}`);
console.log(`query_z2_items=${z2Items}`);
console.log(`query_z12_ms=${z12}`);
console.log(`query_z12_items=${z12Items}`);
