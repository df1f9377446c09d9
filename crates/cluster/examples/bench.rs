//! Benchmarks the index against Mapbox supercluster on the same points.
//!
//! `cargo run --release -p solidarity-map-cluster --example bench -- --points 10000,100000,1000000 --runs 3 --out report.md`
//!
//! Points are synthetic but shaped like the map's data (dense around cities,
//! some scattered) and generated from a fixed seed, written to a CSV file
//! that `bench/supercluster.mjs` loads in the same run, so the ratios compare
//! like with like. Needs `node` and the npm package `supercluster`, which is
//! a dev dependency of the root `package.json` (installed by `cargo xtask`,
//! or `npm ci` at the root); Node finds it there from `bench/`.
//!
//! `--points` takes one size or several separated by commas; `--kv FILE`
//! also writes every measure as `SIZE.key=value` lines, which `cargo xtask
//! bench` reads to build its report.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use solidarity_map_cluster::{Bbox, Filter, Index, Point, PointId};

/// (longitude, latitude, country) of about 100 cities.
const CITIES: &[(f64, f64, &[u8; 2])] = &[
    (35.22, 31.78, b"PS"),
    (35.20, 31.90, b"PS"),
    (34.47, 31.50, b"PS"),
    (35.25, 32.22, b"PS"),
    (35.10, 31.53, b"PS"),
    (34.78, 32.08, b"IL"),
    (34.99, 32.79, b"IL"),
    (35.93, 31.95, b"JO"),
    (35.50, 33.89, b"LB"),
    (36.29, 33.51, b"SY"),
    (31.24, 30.04, b"EG"),
    (29.92, 31.20, b"EG"),
    (28.98, 41.01, b"TR"),
    (32.86, 39.93, b"TR"),
    (44.36, 33.31, b"IQ"),
    (51.39, 35.69, b"IR"),
    (46.68, 24.71, b"SA"),
    (55.27, 25.20, b"AE"),
    (51.53, 25.29, b"QA"),
    (58.41, 23.59, b"OM"),
    (44.21, 15.35, b"YE"),
    (10.18, 36.81, b"TN"),
    (3.06, 36.75, b"DZ"),
    (-7.59, 33.57, b"MA"),
    (-6.84, 34.02, b"MA"),
    (13.19, 32.89, b"LY"),
    (32.53, 15.50, b"SD"),
    (38.75, 9.03, b"ET"),
    (36.82, -1.29, b"KE"),
    (39.28, -6.79, b"TZ"),
    (32.58, 0.35, b"UG"),
    (3.38, 6.52, b"NG"),
    (7.49, 9.06, b"NG"),
    (-0.19, 5.60, b"GH"),
    (-17.47, 14.72, b"SN"),
    (18.42, -33.92, b"ZA"),
    (28.05, -26.20, b"ZA"),
    (15.31, -4.33, b"CD"),
    (-0.13, 51.51, b"GB"),
    (-2.24, 53.48, b"GB"),
    (-3.19, 55.95, b"GB"),
    (-6.26, 53.35, b"IE"),
    (2.35, 48.86, b"FR"),
    (5.37, 43.30, b"FR"),
    (4.84, 45.76, b"FR"),
    (4.90, 52.37, b"NL"),
    (4.35, 50.85, b"BE"),
    (13.40, 52.52, b"DE"),
    (11.58, 48.14, b"DE"),
    (8.68, 50.11, b"DE"),
    (9.99, 53.55, b"DE"),
    (16.37, 48.21, b"AT"),
    (8.54, 47.37, b"CH"),
    (6.14, 46.20, b"CH"),
    (12.50, 41.90, b"IT"),
    (9.19, 45.46, b"IT"),
    (14.27, 40.85, b"IT"),
    (-3.70, 40.42, b"ES"),
    (2.17, 41.39, b"ES"),
    (-9.14, 38.72, b"PT"),
    (23.73, 37.98, b"GR"),
    (12.57, 55.68, b"DK"),
    (18.07, 59.33, b"SE"),
    (10.75, 59.91, b"NO"),
    (24.94, 60.17, b"FI"),
    (21.01, 52.23, b"PL"),
    (14.42, 50.09, b"CZ"),
    (19.04, 47.50, b"HU"),
    (26.10, 44.43, b"RO"),
    (30.52, 50.45, b"UA"),
    (37.62, 55.76, b"RU"),
    (-74.01, 40.71, b"US"),
    (-118.24, 34.05, b"US"),
    (-87.63, 41.88, b"US"),
    (-122.42, 37.77, b"US"),
    (-77.04, 38.91, b"US"),
    (-71.06, 42.36, b"US"),
    (-83.05, 42.33, b"US"),
    (-95.37, 29.76, b"US"),
    (-122.33, 47.61, b"US"),
    (-79.38, 43.65, b"CA"),
    (-73.57, 45.50, b"CA"),
    (-123.12, 49.28, b"CA"),
    (-99.13, 19.43, b"MX"),
    (-58.38, -34.60, b"AR"),
    (-46.63, -23.55, b"BR"),
    (-43.17, -22.91, b"BR"),
    (-70.67, -33.45, b"CL"),
    (-74.07, 4.71, b"CO"),
    (-77.04, -12.05, b"PE"),
    (-66.90, 10.48, b"VE"),
    (-82.37, 23.11, b"CU"),
    (72.88, 19.08, b"IN"),
    (77.21, 28.61, b"IN"),
    (88.36, 22.57, b"IN"),
    (67.01, 24.86, b"PK"),
    (74.36, 31.55, b"PK"),
    (90.41, 23.81, b"BD"),
    (106.85, -6.21, b"ID"),
    (101.69, 3.139, b"MY"),
    (103.82, 1.35, b"SG"),
    (100.50, 13.76, b"TH"),
    (120.98, 14.60, b"PH"),
    (139.69, 35.69, b"JP"),
    (126.98, 37.57, b"KR"),
    (121.47, 31.23, b"CN"),
    (151.21, -33.87, b"AU"),
    (144.96, -37.81, b"AU"),
    (174.76, -36.85, b"NZ"),
    (178.44, -18.14, b"FJ"),
];
const CATEGORIES: u64 = 7;

struct Rng(u64);

impl Rng {
    /// splitmix64.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-300);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.unit()).cos()
    }
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a city's rank from a number in [0, len): `as` floors it, and saturates"
)]
fn point(rng: &mut Rng, id: u32) -> Point {
    let category = (rng.next() % CATEGORIES) as u8;
    if rng.next().is_multiple_of(10) {
        return Point {
            id: PointId(id),
            lon: rng.unit() * 360.0 - 180.0,
            lat: rng.unit() * 115.0 - 50.0,
            category,
            country: *b"ZZ",
        };
    }
    // Bigger cities first: rank r is picked with weight about 1/sqrt(r).
    let r = (rng.unit().powi(2) * CITIES.len() as f64) as usize;
    let (lon, lat, country) = CITIES[r.min(CITIES.len() - 1)];
    // Most of a city within ~10 km, a tail out to ~50 km.
    let sigma = if rng.next().is_multiple_of(4) {
        0.25
    } else {
        0.06
    };
    Point {
        id: PointId(id),
        lon: lon + rng.normal() * sigma,
        lat: (lat + rng.normal() * sigma * 0.8).clamp(-85.0, 85.0),
        category,
        country: *country,
    }
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time_ms<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let r = f();
    (t.elapsed().as_secs_f64() * 1e3, r)
}

struct Args {
    points: Vec<u32>,
    runs: usize,
    out: Option<String>,
    kv: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        points: vec![100_000],
        runs: 3,
        out: None,
        kv: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--points" => {
                a.points = value
                    .split(',')
                    .map(|n| n.trim().parse().expect("--points is a number or a list"))
                    .collect()
            }
            "--runs" => a.runs = value.parse().expect("--runs is a number"),
            "--out" => a.out = Some(value),
            "--kv" => a.kv = Some(value),
            _ => panic!("unknown flag {flag} (--points N[,N…] --runs R --out FILE --kv FILE)"),
        }
    }
    a
}

fn main() {
    let args = args();
    let mut md = String::new();
    let mut kv = String::new();
    for &n in &args.points {
        let (section, values) = bench(n, args.runs);
        md.push_str(&section);
        md.push('\n');
        for (k, v) in values {
            let _ = writeln!(kv, "{n}.{k}={v}");
        }
    }
    print!("{md}");
    if let Some(out) = args.out {
        std::fs::write(&out, &md).expect("writing the report");
        eprintln!("report written to {out}");
    }
    if let Some(out) = args.kv {
        std::fs::write(&out, &kv).expect("writing the key=value file");
    }
}

/// Measures one size: the Markdown section and the measures as key/value.
fn bench(n: u32, runs: usize) -> (String, Vec<(&'static str, String)>) {
    let mut rng = Rng(0x5EED_0F50_11DA);
    let points: Vec<Point> = (0..n).map(|i| point(&mut rng, i)).collect();

    let csv = std::env::temp_dir().join(format!("cluster-bench-{n}.csv"));
    let mut text = String::with_capacity(points.len() * 40);
    for p in &points {
        writeln!(text, "{},{},{}", p.lon, p.lat, p.category).expect("writing to a String");
    }
    std::fs::write(&csv, text).expect("writing the points file");
    eprintln!("{n} points written to {}", csv.display());

    // (a) build
    let mut builds = Vec::new();
    let mut rss_delta = 0.0;
    let mut index = Index::new();
    for _ in 0..runs.max(1) {
        drop(std::mem::take(&mut index));
        let before = rss_mb();
        let (ms, built) = time_ms(|| Index::build(&points));
        if builds.is_empty() {
            rss_delta = rss_mb() - before;
        }
        builds.push(ms);
        index = built;
    }
    let build_ms = median(builds.clone());
    eprintln!("ours: build {build_ms:.1} ms (runs {builds:?})");

    // (c) queries
    let world = Bbox {
        min_lon: -180.0,
        min_lat: -85.0,
        max_lon: 180.0,
        max_lat: 85.0,
    };
    let jerusalem = Bbox {
        min_lon: 35.0,
        min_lat: 31.66,
        max_lon: 35.44,
        max_lat: 31.9,
    };
    let query = |b: &Bbox, z: u8, f: &Filter| {
        let mut times = Vec::new();
        let mut items = 0;
        for _ in 0..101 {
            let (ms, r) = time_ms(|| index.query(b, z, f));
            items = r.len();
            times.push(ms);
        }
        (median(times), items)
    };
    let all = Filter::default();
    let (z2, z2_items) = query(&world, 2, &all);
    let (z12, z12_items) = query(&jerusalem, 12, &all);
    let ps = Filter {
        categories: Some(0b101),
        country: Some(*b"PS"),
    };
    let (z12f, z12f_items) = query(&jerusalem, 12, &ps);
    let (z2f, z2f_items) = query(&world, 2, &Filter::categories([3]));

    // (d) incremental updates on the full index
    let extra: Vec<Point> = (0..1000).map(|i| point(&mut rng, n + i)).collect();
    let inserts: Vec<f64> = extra
        .iter()
        .map(|p| time_ms(|| index.insert(*p)).0)
        .collect();
    let moves: Vec<f64> = extra
        .iter()
        .map(|p| {
            let moved = Point {
                lon: p.lon + 0.01,
                category: (p.category + 1) % 7,
                ..*p
            };
            time_ms(|| index.update(moved)).0
        })
        .collect();
    let removes: Vec<f64> = extra
        .iter()
        .map(|p| time_ms(|| index.remove(p.id)).0)
        .collect();
    let (insert_ms, update_ms, remove_ms) = (median(inserts), median(moves), median(removes));
    let same = index.same_as(&Index::build(&points));
    eprintln!("ours: after 1000 insert/update/remove equal to a fresh build: {same}");

    // (b) supercluster
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/supercluster.mjs");
    let output = Command::new("node")
        .args(["--expose-gc", "--max-old-space-size=12000", script])
        .arg(&csv)
        .arg(runs.to_string())
        .output()
        .expect("running node (is it on PATH?)");
    let js = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        panic!(
            "supercluster.mjs failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let sc = |k: &str| -> f64 {
        js.lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix('='))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(f64::NAN)
    };
    let _ = std::fs::remove_file(&csv);

    let ratio = |a: f64, b: f64| format!("{:.3}", a / b);
    let mut md = String::new();
    let _ = writeln!(md, "# Cluster index vs supercluster 8 — {n} points\n");
    let _ = writeln!(
        md,
        "Medians; build over {} runs, queries over 101 calls, updates over 1000 single calls into the full index. \
         Cores: {}. Supercluster: radius 60, maxZoom 16, Node {}.\n",
        runs,
        std::thread::available_parallelism().map_or(1, |c| c.get()),
        Command::new("node").arg("--version").output().map_or_else(
            |_| "?".into(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_string()
        ),
    );
    let _ = writeln!(
        md,
        "| Measure | ours | supercluster | ours / supercluster |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|");
    let sc_build = sc("load_ms");
    let (sz2, sz12) = (sc("query_z2_ms"), sc("query_z12_ms"));
    // supercluster cannot change one point: it builds the index again
    let rows = [
        ("build (ms)", build_ms, sc_build),
        ("query z2 world (ms)", z2, sz2),
        ("items z2 world", z2_items as f64, sc("query_z2_items")),
        ("query z12 Jerusalem (ms)", z12, sz12),
        (
            "items z12 Jerusalem",
            z12_items as f64,
            sc("query_z12_items"),
        ),
        (
            "insert one point (ms; theirs: rebuild)",
            insert_ms,
            sc_build,
        ),
        (
            "update one point (ms; theirs: rebuild)",
            update_ms,
            sc_build,
        ),
        (
            "remove one point (ms; theirs: rebuild)",
            remove_ms,
            sc_build,
        ),
        (
            "RSS growth of the build (MB)",
            rss_delta,
            sc("rss_delta_mb"),
        ),
    ];
    for (measure, ours, theirs) in rows {
        let r = ratio(ours, theirs);
        let _ = writeln!(md, "| {measure} | {ours:.4} | {theirs:.4} | {r} |");
    }
    let _ = writeln!(
        md,
        "\nOurs only: index heap estimate {:.1} MB; z12 Jerusalem, categories 0 and 2, country PS: {z12f:.3} ms ({z12f_items} items); \
         z2 world, category 3: {z2f:.3} ms ({z2f_items} items); after the updates the index equals a fresh build: {same}.",
        index.memory_bytes() as f64 / 1_048_576.0
    );
    let values = vec![
        ("build_ms", build_ms.to_string()),
        ("sc_build_ms", sc_build.to_string()),
        ("query_z2_ms", z2.to_string()),
        ("sc_query_z2_ms", sz2.to_string()),
        ("query_z2_items", z2_items.to_string()),
        ("sc_query_z2_items", sc("query_z2_items").to_string()),
        ("query_z12_ms", z12.to_string()),
        ("sc_query_z12_ms", sz12.to_string()),
        ("query_z12_items", z12_items.to_string()),
        ("sc_query_z12_items", sc("query_z12_items").to_string()),
        ("insert_ms", insert_ms.to_string()),
        ("update_ms", update_ms.to_string()),
        ("remove_ms", remove_ms.to_string()),
        ("rss_delta_mb", rss_delta.to_string()),
        ("sc_rss_delta_mb", sc("rss_delta_mb").to_string()),
        ("same_as_fresh_build", same.to_string()),
        ("runs", runs.max(1).to_string()),
    ];
    (md, values)
}
