//! Virtual tables: every class's rows are computed on demand from the
//! catalog, so a 100,000-object catalog or a multi-gigabyte gp_history
//! costs no memory until it is streamed. [`values`] computes each cell
//! from the object a row is about; [`fit`] makes values fit their column's
//! type (and invents them from the type alone for columns nothing else
//! knows).

mod fit;
mod values;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use spacetrack_codegen::ClassSchema;
use spacetrack_codegen::mysql::SqlType;

use crate::catalog::{Catalog, mix};

pub(crate) use fit::coerce;
use values::RowCtx;

/// A cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Text(String),
}

/// How a class's rows relate to catalog objects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// One row per object (gp, satcat).
    PerObject,
    /// `depth` rows per object, newest first (gp_history).
    History { depth: usize },
    /// Rows for every `every`-th object.
    Subset { every: usize },
    /// One row per decay message ([`Catalog::events`]).
    Decay,
    /// One row per TIP message ([`Catalog::tips`]).
    Tip,
    /// `count` rows, each about a pair of objects (cdm_public, cdm), and
    /// `count / 24` more each hour the clock advances.
    Pairs { count: usize },
    /// `count` rows that mention objects in turn.
    Fixed { count: usize },
}

/// A class and how to make its rows.
#[derive(Debug, Clone)]
pub struct Table {
    pub schema: ClassSchema,
    pub kind: Kind,
    /// Columns written with a `T` between date and time.
    pub t_separator: Vec<bool>,
    /// Datetime columns written without their fraction (cdm sends it in a
    /// separate `*_FRACTION` column).
    pub no_fraction: Vec<bool>,
    /// Real columns written like C's `%g` (`5.89239e-05`), as cdm's are.
    pub exponent: Vec<bool>,
}

impl Table {
    pub fn new(schema: ClassSchema, catalog_size: usize, history_depth: usize) -> Table {
        let kind = match schema.class.as_str() {
            "gp" | "satcat" => Kind::PerObject,
            "gp_history" => Kind::History {
                depth: history_depth.max(1),
            },
            "satcat_debut" | "satcat_change" => Kind::Subset { every: 20 },
            "decay" => Kind::Decay,
            "tip" => Kind::Tip,
            "cdm_public" | "cdm" | "car" => Kind::Pairs {
                count: (catalog_size / 10).clamp(50, 5000),
            },
            "boxscore" => Kind::Fixed {
                count: crate::catalog::sky::OWNERS.len(),
            },
            "launch_site" => Kind::Fixed {
                count: crate::catalog::sky::SITES.len(),
            },
            _ => Kind::Fixed { count: 25 },
        };
        let t_separator = schema
            .columns
            .iter()
            .map(|c| {
                matches!(
                    (schema.class.as_str(), c.name.as_str()),
                    ("gp" | "gp_history", "EPOCH" | "CREATION_DATE")
                        | ("cdm_public", "TCA" | "CREATED")
                )
            })
            .collect();
        let cdm = schema.class == "cdm";
        let no_fraction = schema
            .columns
            .iter()
            .map(|c| cdm && c.sql.is_temporal())
            .collect();
        let exponent = schema
            .columns
            .iter()
            .map(|c| cdm && matches!(c.sql, SqlType::Real { scale: None, .. }))
            .collect();
        Table {
            schema,
            kind,
            t_separator,
            no_fraction,
            exponent,
        }
    }

    pub fn len(&self, cat: &Catalog) -> usize {
        let n = cat.objects.len();
        match self.kind {
            Kind::PerObject => n,
            Kind::History { depth } => cat.base_len * depth + cat.history.len(),
            Kind::Subset { every } => n.div_ceil(every),
            Kind::Decay => cat.events.len(),
            Kind::Tip => cat.tips.len(),
            Kind::Pairs { count } => count + pairs_per_hour(count) * cat.tick.max(0) as usize,
            Kind::Fixed { count } => count,
        }
    }

    /// Row numbers that can match `NORAD_CAT_ID = ids` (an index, so a
    /// single-object query on gp_history does not scan every row).
    pub fn rows_for_norads(&self, cat: &Catalog, ids: &[u32]) -> Option<Vec<usize>> {
        let objects = || ids.iter().filter_map(|id| cat.by_norad.get(id).copied());
        match self.kind {
            Kind::PerObject => {
                let mut v: Vec<usize> = objects().collect();
                v.sort_unstable();
                Some(v)
            }
            Kind::History { depth } => {
                let mut objs: Vec<usize> = objects().collect();
                objs.sort_unstable();
                let base = cat.base_len * depth;
                let mut rows: Vec<usize> = objs
                    .iter()
                    .filter(|&&o| o < cat.base_len)
                    .flat_map(|&o| (0..depth).map(move |k| o * depth + k))
                    .collect();
                rows.extend(
                    cat.history
                        .iter()
                        .enumerate()
                        .filter(|(_, (o, _))| objs.binary_search(o).is_ok())
                        .map(|(j, _)| base + j),
                );
                Some(rows)
            }
            _ => None,
        }
    }

    /// Computes row `r`.
    pub fn row(&self, cat: &Catalog, r: usize) -> Vec<Val> {
        let n = cat.objects.len();
        // Rows that mention any object pick among those the catalog was
        // built with, so they stay the same as objects are launched.
        let base = cat.base_len;
        let mut event = None;
        let mut tip = None;
        let mut extra = None;
        let mut born = None;
        let (obj, other, k) = match self.kind {
            Kind::PerObject => (r, None, 0),
            Kind::History { depth } if r < base * depth => (r / depth, None, r % depth),
            Kind::History { depth } => {
                let (obj, set) = &cat.history[r - base * depth];
                extra = Some(set);
                (*obj, None, 0)
            }
            Kind::Subset { every } => ((r * every).min(n - 1), None, 0),
            Kind::Decay => {
                let e = &cat.events[r];
                event = Some(e);
                (e.obj, None, 0)
            }
            Kind::Tip => {
                let t = &cat.tips[r];
                tip = Some(t);
                (t.obj, None, 0)
            }
            Kind::Pairs { count } => {
                if r >= count {
                    let hour = (r - count) / pairs_per_hour(count) + 1;
                    born = Some(cat.anchor + Duration::hours(hour as i64));
                }
                // Only objects in orbit come close to one another.
                let pool: Vec<usize> = if cat.alive.len() >= 2 {
                    Vec::new()
                } else {
                    (0..base).collect()
                };
                let pool = if pool.is_empty() { &cat.alive } else { &pool };
                let n = pool.len();
                let a = (mix(cat.seed ^ r as u64 ^ 0xC0) % n as u64) as usize;
                let b = (mix(cat.seed ^ r as u64 ^ 0xC1) % n as u64) as usize;
                let b = if a == b { (b + 1) % n } else { b };
                (pool[a], Some(pool[b]), 0)
            }
            Kind::Fixed { .. } => (r % base, None, 0),
        };
        let ctx = RowCtx {
            cat,
            event,
            tip,
            extra,
            current: self.kind == Kind::PerObject,
            history: matches!(self.kind, Kind::History { .. }),
            born,
            class: &self.schema.class,
            obj: &cat.objects[obj],
            other: other.map(|o| &cat.objects[o]),
            r,
            k,
            key: cat.seed ^ mix(hash(&self.schema.class)) ^ ((r as u64) << 20),
        };
        let elements = if self.schema.class.starts_with("gp") {
            Some(ctx.elements())
        } else {
            None
        };
        self.schema
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| coerce(values::value(&ctx, elements.as_ref(), c, i), c))
            .collect()
    }
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// CDMs published per hour the clock advances, for a class built with
/// `count` rows.
fn pairs_per_hour(count: usize) -> usize {
    (count / 24).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn tables() -> Vec<Table> {
        crate::schemas()
            .into_iter()
            .filter(|(s, _)| s.controller == "basicspacedata")
            .map(|(s, _)| Table::new(s, 2000, 3))
            .collect()
    }

    fn rows(t: &Table, cat: &Catalog) -> Vec<Vec<Val>> {
        (0..t.len(cat)).map(|r| t.row(cat, r)).collect()
    }

    fn col(t: &Table, name: &str) -> usize {
        t.schema
            .columns
            .iter()
            .position(|c| c.name == name)
            .unwrap()
    }

    fn int(v: &Val) -> i64 {
        match v {
            Val::Int(n) => *n,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn advancing_the_clock_adds_rows_and_keeps_the_published_ones() {
        let anchor = NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let before = Catalog::new(2000, 3, anchor);
        let mut after = before.clone();
        after.advance_to(anchor + Duration::days(3));
        assert_eq!(after.tick, 72);
        let tables = tables();
        let table = |name: &str| tables.iter().find(|t| t.schema.class == name).unwrap();
        // Published rows stay as they were; new ones come after them.
        for class in ["gp_history", "decay", "tip", "cdm_public"] {
            let t = table(class);
            let (old, new) = (rows(t, &before), rows(t, &after));
            assert!(
                new.len() > old.len(),
                "{class}: {} -> {}",
                old.len(),
                new.len()
            );
            let changed = (0..old.len()).filter(|&r| new[r] != old[r]).count();
            assert_eq!(changed, 0, "{class}: published rows changed");
        }
        // New element sets have GP_IDs above every earlier one, and gp
        // holds each object's newest set.
        let gp = table("gp");
        let hist = table("gp_history");
        let (id, norad) = (col(gp, "GP_ID"), col(gp, "NORAD_CAT_ID"));
        let old_max = rows(hist, &before)
            .iter()
            .map(|r| int(&r[id]))
            .max()
            .unwrap();
        let hist_rows = rows(hist, &after);
        let new_sets = &hist_rows[before.base_len * 3..];
        assert!(new_sets.iter().all(|r| int(&r[id]) > old_max));
        let mut newest = std::collections::HashMap::new();
        for r in &hist_rows {
            let e = newest.entry(int(&r[norad])).or_insert(0);
            *e = (*e).max(int(&r[id]));
        }
        let gp_rows = rows(gp, &after);
        assert!(gp_rows.len() > before.objects.len(), "no launch in 3 days");
        for r in &gp_rows {
            assert_eq!(newest[&int(&r[norad])], int(&r[id]));
        }
        let changed = gp_rows.iter().filter(|r| int(&r[id]) > old_max).count();
        // About one new set per object in orbit and day.
        assert!(changed > 1000, "{changed}");
        assert!(
            new_sets.len() > 3000 && new_sets.len() < 7000,
            "{}",
            new_sets.len()
        );
        // Some predicted re-entries happened: gp shows their decay date
        // and the decay class has their records.
        let decay = col(gp, "DECAY_DATE");
        let decayed = |cat: &Catalog| {
            rows(gp, cat)
                .iter()
                .filter(|r| r[decay] != Val::Null)
                .count()
        };
        assert!(decayed(&after) > decayed(&before));
        let d = table("decay");
        let ty = col(d, "MSG_TYPE");
        let new_records = rows(d, &after)[before.events.len()..]
            .iter()
            .filter(|r| r[ty] == Val::Text("Historical".into()))
            .count();
        assert_eq!(decayed(&after) - decayed(&before), new_records);
        // The same time reached in steps gives the same catalog.
        let mut stepped = before.clone();
        for h in [5, 30, 72] {
            stepped.advance_to(anchor + Duration::hours(h));
        }
        assert_eq!(rows(hist, &stepped), hist_rows);
        assert_eq!(rows(gp, &stepped), gp_rows);
    }
}
