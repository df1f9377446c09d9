//! Bulk build.
//!
//! Inserting a million points one by one would probe the maps of every level
//! for each. Instead the points are sorted once along a Z-order curve of their
//! level-16 cells, where every cell of every level is a contiguous run. A
//! depth-first walk over the runs emits exactly the cells incremental updates
//! would have stored, computing each cell bottom-up from its children's
//! per-(country, category) sums, so no point is read twice. The zoom-0 runs
//! are shared out between threads, and each level's maps are then filled at
//! their final size, also in parallel.

use std::sync::Mutex;
use std::thread;

use rustc_hash::FxHashMap;

use crate::cell::{
    Cell, LEVELS, Level, MAX_CATEGORIES, Stats, bits, cat_key, country_part, key, shift,
};
use crate::{Index, Point, Rec};

impl Index {
    /// Builds an index of `points`. If an id occurs twice, the later point wins.
    ///
    /// # Panics
    /// If a category is not below [`crate::MAX_CATEGORIES`].
    pub fn build(points: &[Point]) -> Index {
        let mut table = Vec::new();
        for p in points {
            let i = p.id.0 as usize;
            if table.len() <= i {
                table.resize(i + 1, Rec::EMPTY);
            }
            table[i] = Rec::new(p);
        }
        // the table is indexed by the points' u32 ids: its positions are
        // those ids
        let mut entries: Vec<Entry> = table
            .iter()
            .zip(0u32..)
            .filter(|(r, _)| r.is_live())
            .map(|(r, id)| Entry {
                skey: morton(r.x >> shift(LEVELS - 1), r.y >> shift(LEVELS - 1)),
                x: r.x,
                y: r.y,
                id,
                cat: r.cat,
                country: r.country(),
            })
            .collect();
        entries.sort_unstable_by_key(|e| e.skey);

        let threads = thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        let found = walk_in_parallel(&entries, threads);
        let len = entries.len();
        drop(entries);
        let (levels, members) = fill_maps(found, threads);
        Index {
            table,
            len,
            levels,
            members,
        }
    }
}

/// A point as the build walk reads it, kept contiguous for speed.
struct Entry {
    /// Z-order code of the level-16 cell.
    skey: u64,
    x: u32,
    y: u32,
    id: u32,
    cat: u8,
    country: u16,
}

/// Sums of the points of one country and category in a subtree.
#[derive(Clone, Copy)]
struct Part {
    /// `country << 8 | category`, so a sorted list groups countries.
    key: u32,
    stats: Stats,
}

impl Part {
    /// The country of the key.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "the key is a u16 country shifted left by 8 bits"
    )]
    fn country(&self) -> u16 {
        (self.key >> 8) as u16
    }
}

/// Cells found by one walk, per level, before they go into maps.
#[derive(Default)]
struct Found {
    multi: Vec<Vec<(u64, Cell)>>,
    single: Vec<Vec<(u64, u32)>>,
    cats: Vec<Vec<(u64, Stats)>>,
    members: Vec<(u64, Vec<u32>)>,
    /// Per-(country, category) sums of the subtrees being walked, a stack.
    parts: Vec<Part>,
    by_cat: Vec<Stats>,
}

/// Walks the zoom-0 runs, shared out between `threads` by size.
fn walk_in_parallel(entries: &[Entry], threads: usize) -> Vec<Found> {
    let mut shares: Vec<(usize, Vec<&[Entry]>)> = vec![(0, Vec::new()); threads];
    let mut roots: Vec<&[Entry]> = runs(entries, 0).collect();
    roots.sort_by_key(|r| std::cmp::Reverse(r.len()));
    for r in roots {
        let least = shares
            .iter_mut()
            .min_by_key(|s| s.0)
            .expect("at least one thread");
        least.0 += r.len();
        least.1.push(r);
    }
    thread::scope(|s| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|(_, roots)| {
                s.spawn(move || {
                    let mut f = Found {
                        multi: vec![Vec::new(); LEVELS],
                        single: vec![Vec::new(); LEVELS],
                        cats: vec![Vec::new(); LEVELS],
                        by_cat: vec![Stats::default(); MAX_CATEGORIES.into()],
                        ..Found::default()
                    };
                    for r in roots {
                        f.walk(r, 0);
                        f.parts.clear();
                    }
                    f
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("the build walk does not panic"))
            .collect()
    })
}

/// A level and its cells: several points, one point, per-category sums.
type LevelTask = (usize, Vec<(u64, Cell)>, Vec<(u64, u32)>, Vec<(u64, Stats)>);

/// Puts the cells found into maps, one level per task.
fn fill_maps(mut found: Vec<Found>, threads: usize) -> (Vec<Level>, FxHashMap<u64, Vec<u32>>) {
    let members = to_map(
        found
            .iter_mut()
            .flat_map(|f| std::mem::take(&mut f.members))
            .collect(),
    );
    let mut tasks: Vec<LevelTask> = (0..LEVELS)
        .map(|z| {
            let mut t = (z, Vec::new(), Vec::new(), Vec::new());
            for f in &mut found {
                t.1.append(&mut f.multi[z]);
                t.2.append(&mut f.single[z]);
                t.3.append(&mut f.cats[z]);
            }
            t
        })
        .collect();
    // Popped biggest first, so the last task to finish is a small one.
    tasks.sort_by_key(|t| t.1.len() + t.2.len() + t.3.len());
    let tasks = Mutex::new(tasks);
    let done = Mutex::new(Vec::with_capacity(LEVELS));
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let Some((z, multi, single, cats)) =
                        tasks.lock().expect("no panic holds the lock").pop()
                    else {
                        return;
                    };
                    let level = Level {
                        multi: to_map(multi),
                        single: to_map(single),
                        cats: to_map(cats),
                    };
                    done.lock()
                        .expect("no panic holds the lock")
                        .push((z, level));
                }
            });
        }
    });
    let mut done = done.into_inner().expect("no panic held the lock");
    done.sort_by_key(|(z, _)| *z);
    (done.into_iter().map(|(_, l)| l).collect(), members)
}

impl Found {
    /// Records the cell at level `z` holding `run` and everything below it,
    /// and leaves the run's per-(country, category) sums on `parts`.
    fn walk(&mut self, run: &[Entry], z: usize) {
        let first = &run[0];
        let (cx, cy) = (first.x >> shift(z), first.y >> shift(z));
        if run.len() == 1 {
            self.single[z].push((key(0, cx, cy), first.id));
            self.parts.push(Part {
                key: u32::from(first.country) << 8 | u32::from(first.cat),
                stats: Stats::of(first.id, first.x, first.y),
            });
            return;
        }
        let start = self.parts.len();
        if z + 1 == LEVELS {
            for e in run {
                self.parts.push(Part {
                    key: u32::from(e.country) << 8 | u32::from(e.cat),
                    stats: Stats::of(e.id, e.x, e.y),
                });
            }
            let mut ids: Vec<u32> = run.iter().map(|e| e.id).collect();
            ids.sort_unstable();
            self.members.push((key(0, cx, cy), ids));
        } else {
            for child in runs(run, z + 1) {
                self.walk(child, z + 1);
            }
        }
        let n = compact(&mut self.parts[start..]);
        self.parts.truncate(start + n);
        self.emit(z, cx, cy, start);
    }

    /// Records the cell (cx, cy) of level `z` from `parts[start..]`.
    fn emit(&mut self, z: usize, cx: u32, cy: u32, start: usize) {
        let parts = &self.parts[start..];
        let k = key(0, cx, cy);
        let mut cell = Cell {
            stats: Stats::default(),
            mask: 0,
            countries: 0,
            country_xor: 0,
        };
        for p in parts {
            cell.stats.add(&p.stats);
            cell.mask |= 1 << (p.key & 0xFF);
        }
        if cell.mask.count_ones() > 1 {
            for c in bits(cell.mask) {
                self.by_cat[c as usize] = Stats::default();
            }
            for p in parts {
                self.by_cat[(p.key & 0xFF) as usize].add(&p.stats);
            }
            for c in bits(cell.mask) {
                self.cats[z].push((cat_key(k, c), self.by_cat[c as usize]));
            }
        }
        for group in parts.chunk_by(|a, b| a.key >> 8 == b.key >> 8) {
            let country = group[0].country();
            cell.countries += 1;
            cell.country_xor ^= country;
            if group.len() == parts.len() {
                break;
            }
            // A mixed-country cell: this country's own entry.
            let ck = key(country_part(country), cx, cy);
            let mut own = Cell {
                stats: Stats::default(),
                mask: 0,
                countries: 1,
                country_xor: country,
            };
            for p in group {
                own.stats.add(&p.stats);
                own.mask |= 1 << (p.key & 0xFF);
            }
            if own.stats.count == 1 {
                self.single[z].push((ck, own.stats.xor));
                continue;
            }
            if group.len() > 1 {
                for p in group {
                    self.cats[z].push((cat_key(ck, (p.key & 0xFF) as u8), p.stats));
                }
            }
            self.multi[z].push((ck, own));
        }
        self.multi[z].push((k, cell));
    }
}

/// Sorts parts by key and sums equal keys; returns how many are left.
fn compact(parts: &mut [Part]) -> usize {
    parts.sort_unstable_by_key(|p| p.key);
    let mut n = 0;
    for i in 0..parts.len() {
        if n > 0 && parts[n - 1].key == parts[i].key {
            let s = parts[i].stats;
            parts[n - 1].stats.add(&s);
        } else {
            parts[n] = parts[i];
            n += 1;
        }
    }
    n
}

/// Splits a sorted slice into the runs sharing a cell at `level`.
fn runs(entries: &[Entry], level: usize) -> impl Iterator<Item = &[Entry]> {
    let sh = 2 * (LEVELS - 1 - level);
    entries.chunk_by(move |a, b| a.skey >> sh == b.skey >> sh)
}

fn to_map<V>(v: Vec<(u64, V)>) -> FxHashMap<u64, V> {
    let mut m = FxHashMap::with_capacity_and_hasher(v.len(), Default::default());
    m.extend(v);
    m
}

/// Interleaves the low 18 bits of `x` and `y` (x in the even bits).
fn morton(x: u32, y: u32) -> u64 {
    spread(x) | spread(y) << 1
}

fn spread(v: u32) -> u64 {
    let mut v = u64::from(v);
    v = (v | v << 16) & 0x0000_FFFF_0000_FFFF;
    v = (v | v << 8) & 0x00FF_00FF_00FF_00FF;
    v = (v | v << 4) & 0x0F0F_0F0F_0F0F_0F0F;
    v = (v | v << 2) & 0x3333_3333_3333_3333;
    (v | v << 1) & 0x5555_5555_5555_5555
}
