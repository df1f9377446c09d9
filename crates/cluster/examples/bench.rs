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
use std::sync::LazyLock;
use std::time::Instant;

use solidarity_map_cluster::{Bbox, Filter, Index, Point, PointId};

/// (longitude, latitude, country) of about 100 cities, biggest first.
static CITIES: LazyLock<Vec<(f64, f64, [u8; 2])>> = LazyLock::new(|| {
    let csv = include_str!("../bench/cities.csv");
    let row = |line: &str| {
        let cols: Vec<&str> = line.split(',').collect();
        let num = |i: usize| cols[i].parse::<f64>().expect("a number");
        let code = cols[2].as_bytes();
        (num(0), num(1), [code[0], code[1]])
    };
    csv.lines().skip(1).map(row).collect()
});
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
        country,
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
fn bench(n: u32, runs: usize) -> (String, Vec<(String, String)>) {
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
    // (key in the JSON, measure, ours, supercluster's); supercluster cannot
    // change one point: it builds the index again
    #[rustfmt::skip]
    let rows = [
        ("build_ms", "build (ms)", build_ms, sc_build),
        ("query_z2_ms", "query z2 world (ms)", z2, sz2),
        ("query_z2_items", "items z2 world", z2_items as f64, sc("query_z2_items")),
        ("query_z12_ms", "query z12 Jerusalem (ms)", z12, sz12),
        ("query_z12_items", "items z12 Jerusalem", z12_items as f64, sc("query_z12_items")),
        ("insert_ms", "insert one point (ms; theirs: rebuild)", insert_ms, sc_build),
        ("update_ms", "update one point (ms; theirs: rebuild)", update_ms, sc_build),
        ("remove_ms", "remove one point (ms; theirs: rebuild)", remove_ms, sc_build),
        ("rss_delta_mb", "RSS growth of the build (MB)", rss_delta, sc("rss_delta_mb")),
    ];
    for (_, measure, ours, theirs) in rows {
        let r = ratio(ours, theirs);
        let _ = writeln!(md, "| {measure} | {ours:.4} | {theirs:.4} | {r} |");
    }
    let _ = writeln!(
        md,
        "\nOurs only: index heap estimate {:.1} MB; z12 Jerusalem, categories 0 and 2, country PS: {z12f:.3} ms ({z12f_items} items); \
         z2 world, category 3: {z2f:.3} ms ({z2f_items} items); after the updates the index equals a fresh build: {same}.",
        index.memory_bytes() as f64 / 1_048_576.0
    );
    let mut values: Vec<(String, String)> = rows
        .iter()
        .flat_map(|(key, _, ours, theirs)| {
            [
                (key.to_string(), ours.to_string()),
                (format!("sc_{key}"), theirs.to_string()),
            ]
        })
        .collect();
    values.push(("same_as_fresh_build".into(), same.to_string()));
    values.push(("runs".into(), runs.max(1).to_string()));
    (md, values)
}
