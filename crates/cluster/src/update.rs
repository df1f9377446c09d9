//! In-place inserts and removals.
//!
//! Each keeps the invariants a fresh build produces (see `cell`): a cell is
//! stored at a level only if its parent holds two points or more, a cell of
//! one point is just its id, a mixed-category cell has one entry per
//! category and a mixed-country cell one entry per country. So an insert may
//! push a former single point one level down, and a removal that leaves one
//! point deletes the chain below it.

use rustc_hash::FxHashMap;

use crate::cell::{Cell, LEVELS, Level, Stats, bits, cat_key, country_part, lowest, point_key};
use crate::{Index, Point, PointId, Rec};

impl Index {
    /// Adds a point; a point with the same id is replaced.
    ///
    /// # Panics
    /// If `p.category` is not below [`crate::MAX_CATEGORIES`].
    pub fn insert(&mut self, p: Point) {
        let rec = Rec::new(&p);
        self.remove(p.id);
        let i = p.id.0 as usize;
        if self.table.len() <= i {
            self.table.resize(i + 1, Rec::EMPTY);
        }
        self.table[i] = rec;
        self.len += 1;
        self.add(p.id.0, &rec);
    }

    /// Removes a point; false if it was not there.
    pub fn remove(&mut self, id: PointId) -> bool {
        let Some(rec) = self.rec(id).copied() else {
            return false;
        };
        self.subtract(id.0, &rec);
        self.table[id.0 as usize] = Rec::EMPTY;
        self.len -= 1;
        true
    }

    /// Moves or recategorises a point (the same as [`Index::insert`]).
    pub fn update(&mut self, p: Point) {
        self.insert(p);
    }

    fn add(&mut self, id: u32, rec: &Rec) {
        let pc = rec.country();
        for z in 0..LEVELS {
            let key = point_key(0, z, rec.x, rec.y);
            let ck = point_key(country_part(pc), z, rec.x, rec.y);
            let level = &mut self.levels[z];
            let Some(mut c) = level.multi.get(&key).copied() else {
                match level.single.remove(&key) {
                    Some(q) => {
                        let qr = self.table[q as usize];
                        self.place_pair(z, (q, &qr), (id, rec));
                    }
                    None => _ = level.single.insert(key, id),
                }
                return;
            };
            if c.countries > 1 {
                if add_to_country(level, &self.table, ck, id, rec) {
                    c.countries += 1;
                    c.country_xor ^= pc;
                }
            } else if c.country_xor != pc {
                let old = point_key(country_part(c.country_xor), z, rec.x, rec.y);
                copy_entry(level, key, &c, old);
                level.single.insert(ck, id);
                c.countries = 2;
                c.country_xor ^= pc;
            }
            add_to_multi(&mut c, &mut level.cats, key, id, rec);
            level.multi.insert(key, c);
            if z + 1 == LEVELS {
                let ids = self.members.entry(key).or_default();
                let at = ids.binary_search(&id).unwrap_or_else(|e| e);
                ids.insert(at, id);
            }
        }
    }

    /// Stores two points that share their cell at `from` and nothing below.
    fn place_pair(&mut self, from: usize, a: (u32, &Rec), b: (u32, &Rec)) {
        for z in from..LEVELS {
            let ka = point_key(0, z, a.1.x, a.1.y);
            let kb = point_key(0, z, b.1.x, b.1.y);
            let level = &mut self.levels[z];
            if ka != kb {
                level.single.insert(ka, a.0);
                level.single.insert(kb, b.0);
                return;
            }
            let c = pair(&mut level.cats, ka, a, b);
            if c.countries > 1 {
                for (id, r) in [a, b] {
                    let ck = point_key(country_part(r.country()), z, r.x, r.y);
                    level.single.insert(ck, id);
                }
            }
            level.multi.insert(ka, c);
            if z + 1 == LEVELS {
                self.members.insert(ka, vec![a.0.min(b.0), a.0.max(b.0)]);
            }
        }
    }

    fn subtract(&mut self, id: u32, rec: &Rec) {
        let pc = rec.country();
        for z in 0..LEVELS {
            let key = point_key(0, z, rec.x, rec.y);
            let level = &mut self.levels[z];
            if level.single.get(&key) == Some(&id) {
                level.single.remove(&key);
                return;
            }
            let mut c = *level
                .multi
                .get(&key)
                .expect("a stored point is in a cell at every level down to its own");
            remove_from_multi(&mut c, &mut level.cats, key, id, rec);
            if c.countries > 1 {
                let ck = point_key(country_part(pc), z, rec.x, rec.y);
                if remove_from_country(level, ck, id, rec) {
                    c.countries -= 1;
                    c.country_xor ^= pc;
                }
                if c.countries == 1 {
                    let rest = point_key(country_part(c.country_xor), z, rec.x, rec.y);
                    delete_entry(level, rest);
                }
            }
            if z + 1 == LEVELS
                && let Some(ids) = self.members.get_mut(&key)
            {
                ids.retain(|&i| i != id);
            }
            if c.stats.count > 1 {
                level.multi.insert(key, c);
                continue;
            }
            level.multi.remove(&key);
            level.single.insert(key, c.stats.xor);
            if z + 1 == LEVELS {
                self.members.remove(&key);
            }
            let q = self.table[c.stats.xor as usize];
            self.drop_below(z, rec, &q);
            return;
        }
    }

    /// Deletes the cells below level `z` that held only `a` and `b`.
    fn drop_below(&mut self, z: usize, a: &Rec, b: &Rec) {
        for lz in z + 1..LEVELS {
            let ka = point_key(0, lz, a.x, a.y);
            let kb = point_key(0, lz, b.x, b.y);
            let level = &mut self.levels[lz];
            let mut found = false;
            for k in if ka == kb { vec![ka] } else { vec![ka, kb] } {
                let (any, cell) = delete_entry(level, k);
                found |= any;
                if cell.is_some_and(|c| c.countries > 1) {
                    for r in [a, b] {
                        delete_entry(level, point_key(country_part(r.country()), lz, r.x, r.y));
                    }
                }
                if lz + 1 == LEVELS {
                    self.members.remove(&k);
                }
            }
            if !found {
                return;
            }
        }
    }
}

/// The cell of two points (its country entries are the caller's).
fn pair(cats: &mut FxHashMap<u64, Stats>, key: u64, a: (u32, &Rec), b: (u32, &Rec)) -> Cell {
    let mut c = Cell {
        stats: Stats::of(a.0, a.1.x, a.1.y),
        mask: 1 << a.1.cat,
        countries: 1,
        country_xor: a.1.country(),
    };
    add_to_multi(&mut c, cats, key, b.0, b.1);
    if b.1.country() != a.1.country() {
        c.countries = 2;
        c.country_xor ^= b.1.country();
    }
    c
}

/// Adds a point to its country's entry `ck` of a mixed cell; true if the
/// country is new there.
fn add_to_country(level: &mut Level, table: &[Rec], ck: u64, id: u32, rec: &Rec) -> bool {
    if let Some(mut c) = level.multi.get(&ck).copied() {
        add_to_multi(&mut c, &mut level.cats, ck, id, rec);
        level.multi.insert(ck, c);
        false
    } else if let Some(q) = level.single.remove(&ck) {
        let c = pair(&mut level.cats, ck, (q, &table[q as usize]), (id, rec));
        level.multi.insert(ck, c);
        false
    } else {
        level.single.insert(ck, id);
        true
    }
}

/// Removes a point from its country's entry `ck`; true if that was the
/// country's last point there.
fn remove_from_country(level: &mut Level, ck: u64, id: u32, rec: &Rec) -> bool {
    if level.single.get(&ck) == Some(&id) {
        level.single.remove(&ck);
        return true;
    }
    let mut c = *level
        .multi
        .get(&ck)
        .expect("a mixed cell has an entry per country");
    remove_from_multi(&mut c, &mut level.cats, ck, id, rec);
    if c.stats.count == 1 {
        level.multi.remove(&ck);
        level.single.insert(ck, c.stats.xor);
    } else {
        level.multi.insert(ck, c);
    }
    false
}

/// Stores a copy of cell `key` (and its per-category entries) under `to`.
fn copy_entry(level: &mut Level, key: u64, c: &Cell, to: u64) {
    level.multi.insert(to, *c);
    if c.mask.count_ones() > 1 {
        for cat in bits(c.mask) {
            let s = level.cats[&cat_key(key, cat)];
            level.cats.insert(cat_key(to, cat), s);
        }
    }
}

/// Deletes the entry at `key`: whether there was one, and the cell if it
/// held several points.
fn delete_entry(level: &mut Level, key: u64) -> (bool, Option<Cell>) {
    if let Some(c) = level.multi.remove(&key) {
        if c.mask.count_ones() > 1 {
            for cat in bits(c.mask) {
                level.cats.remove(&cat_key(key, cat));
            }
        }
        return (true, Some(c));
    }
    (level.single.remove(&key).is_some(), None)
}

/// Adds a point to a cell of two points or more (or one being made).
fn add_to_multi(c: &mut Cell, cats: &mut FxHashMap<u64, Stats>, key: u64, id: u32, rec: &Rec) {
    let s = Stats::of(id, rec.x, rec.y);
    let bit = 1u64 << rec.cat;
    if c.mask != bit {
        if c.mask.count_ones() == 1 {
            let only = lowest(c.mask);
            cats.insert(cat_key(key, only), c.stats);
        }
        cats.entry(cat_key(key, rec.cat)).or_default().add(&s);
        c.mask |= bit;
    }
    c.stats.add(&s);
}

fn remove_from_multi(c: &mut Cell, cats: &mut FxHashMap<u64, Stats>, key: u64, id: u32, rec: &Rec) {
    let s = Stats::of(id, rec.x, rec.y);
    c.stats.sub(&s);
    if c.mask.count_ones() == 1 {
        return;
    }
    let ck = cat_key(key, rec.cat);
    let e = cats
        .get_mut(&ck)
        .expect("a mixed cell has an entry per category");
    e.sub(&s);
    if e.count == 0 {
        cats.remove(&ck);
        c.mask &= !(1u64 << rec.cat);
    }
    if c.mask.count_ones() == 1 {
        cats.remove(&cat_key(key, lowest(c.mask)));
    }
}
