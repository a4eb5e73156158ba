//! The launches behind the catalog numbers. Catalog numbers are handed
//! out as objects are found, so they rise with launch date: a curve of the
//! real catalog's growth (pinned at the famous objects) gives each number
//! its date, and a walk along the numbers groups them into launches, each
//! with its designator (the year and the launch's number within it), its
//! payload family, vehicle and site. The catalog samples numbers from it.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::families::{FAMILIES, Family, Regime};
use super::famous::FAMOUS;
use super::mix;
use super::sky::{SITES, VEHICLES, Vehicle, site_by_code};

/// Catalog numbers and dates of the real catalog's growth.
const GROWTH: &[(u32, (i32, u32, u32))] = &[
    (70, (1961, 1, 1)),
    (400, (1963, 1, 1)),
    (1000, (1965, 1, 1)),
    (2000, (1966, 1, 15)),
    (3000, (1967, 10, 1)),
    (4000, (1969, 8, 1)),
    (5000, (1971, 3, 1)),
    (7000, (1973, 12, 1)),
    (10_000, (1977, 6, 1)),
    (12_000, (1980, 10, 1)),
    (15_000, (1984, 7, 1)),
    (23_000, (1994, 3, 1)),
    (30_000, (2006, 12, 15)),
    (33_000, (2008, 6, 1)),
    (36_000, (2009, 11, 15)),
    (38_000, (2012, 1, 1)),
    (40_000, (2014, 6, 15)),
    (51_000, (2022, 1, 10)),
    (55_000, (2023, 1, 10)),
    (58_700, (2024, 1, 10)),
    (62_500, (2025, 1, 10)),
    (66_500, (2026, 1, 5)),
    (69_999, (2026, 6, 30)),
    (100_000, (2026, 7, 1)),
];

/// New numbers per day after the last point of [`GROWTH`].
const IDS_PER_DAY: f64 = 12.0;
/// Numbers 70000-99999 were never handed out (Space-Track jumped from
/// five-digit numbers to 100000 in July 2026).
const GAP: std::ops::Range<u32> = 70_000..100_000;

/// A launch: the catalog numbers `first..first + len`.
#[derive(Debug, Clone)]
pub struct Launch {
    pub first: u32,
    pub len: u32,
    pub at: NaiveDateTime,
    pub year: i32,
    pub num: u32,
    pub what: Mission,
}

/// What a launch carried.
#[derive(Debug, Clone, Copy)]
pub enum Mission {
    /// Payloads of a family (numbered from `number`), then the vehicle's
    /// rocket body, then debris.
    Family {
        family: usize,
        vehicle: usize,
        site: &'static str,
        payloads: u32,
        number: u32,
    },
    /// A famous object's launch ([`FAMOUS`]).
    Famous(usize),
}

impl Launch {
    /// `1998-067`.
    pub fn designator(&self) -> String {
        format!("{}-{:03}", self.year, self.num)
    }

    pub fn site(&self) -> &'static str {
        match self.what {
            Mission::Family { site, .. } => site,
            Mission::Famous(f) => FAMOUS[f].site,
        }
    }
}

/// Piece letters: A..Z without I and O, then AA, AB, ..., then AAA, ...
pub fn piece_letters(mut piece: u32) -> String {
    const L: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let n = L.len() as u32;
    let mut width = 1;
    let mut span = n;
    while piece >= span && width < 3 {
        piece -= span;
        width += 1;
        span *= n;
    }
    let mut out = vec![b'A'; width];
    for slot in out.iter_mut().rev() {
        *slot = L[(piece % n) as usize];
        piece /= n;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn date(d: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.0, d.1, d.2).unwrap_or_default()
}

/// Position of a catalog number on the line of numbers in use.
fn pos(id: u32) -> u64 {
    if id < GAP.start {
        id as u64
    } else {
        id as u64 - (GAP.end - GAP.start) as u64
    }
}

fn id_at(pos: u64) -> u32 {
    let id = if pos < GAP.start as u64 {
        pos
    } else {
        pos + (GAP.end - GAP.start) as u64
    };
    id.min(u32::MAX as u64) as u32
}

/// The date of each catalog number: linear between knots.
#[derive(Debug, Clone)]
struct Curve {
    knots: Vec<(u32, NaiveDateTime)>,
}

impl Curve {
    fn standard() -> Curve {
        let mut knots: Vec<(u32, NaiveDateTime)> = GROWTH
            .iter()
            .map(|&(id, d)| (id, date(d).and_time(Default::default())))
            .collect();
        for f in FAMOUS {
            let start = f.norad - f.before.len() as u32;
            let noon = date(f.launch).and_hms_opt(12, 0, 0).unwrap_or_default();
            knots.push((start, noon));
        }
        knots.sort_by_key(|k| k.0);
        Curve { knots }
    }

    fn at(&self, id: u32) -> NaiveDateTime {
        let k = &self.knots;
        let i = k.partition_point(|&(n, _)| n <= id);
        if i == 0 {
            return k[0].1;
        }
        let (n0, t0) = k[i - 1];
        let Some(&(n1, t1)) = k.get(i) else {
            let days = (pos(id) - pos(n0)) as f64 / IDS_PER_DAY;
            return t0 + Duration::seconds((days * 86_400.0) as i64);
        };
        let share = (pos(id) - pos(n0)) as f64 / (pos(n1) - pos(n0)).max(1) as f64;
        t0 + Duration::seconds(((t1 - t0).num_seconds() as f64 * share) as i64)
    }

    /// The last number dated at or before `t` (0 when there is none).
    fn last_before(&self, t: NaiveDateTime) -> u32 {
        let (mut lo, mut hi) = (0u64, pos(u32::MAX / 2));
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if self.at(id_at(mid)) <= t {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        id_at(lo)
    }
}

/// Launches per year (the real record, roughly): with the numbers of a
/// year, it sets how many pieces a launch has on average.
fn launches_per_year(year: i32) -> f64 {
    match year {
        ..=1958 => 8.0,
        1959 => 14.0,
        1960 => 20.0,
        1961 => 35.0,
        1962..=1963 => 60.0,
        1964..=1990 => 115.0,
        1991..=2000 => 80.0,
        2001..=2010 => 65.0,
        2011..=2017 => 85.0,
        2018..=2020 => 110.0,
        2021 => 146.0,
        2022 => 180.0,
        2023 => 212.0,
        2024 => 255.0,
        _ => 300.0,
    }
}

type WalkKey = (u64, u32, Option<(u32, NaiveDateTime)>);

/// The last few walks made (see [`Timeline::build`]).
static WALKS: std::sync::Mutex<Vec<(WalkKey, Timeline)>> = std::sync::Mutex::new(Vec::new());

/// Every launch up to the catalog's last number.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub launches: Vec<Launch>,
    /// The next number of each family numbering.
    pub counters: HashMap<&'static str, u32>,
    /// The last launch number of each year.
    pub nums: HashMap<i32, u32>,
    /// The last catalog number walked.
    pub top: u32,
    curve: Curve,
}

impl Timeline {
    /// The launches of catalog numbers dated up to `end`, and of at least
    /// `at_least` numbers (famous ones aside): more are dated between the
    /// last and `end`.
    pub fn build(seed: u64, end: NaiveDateTime, at_least: usize) -> Timeline {
        let mut curve = Curve::standard();
        let mut top = curve.last_before(end);
        let famous = |id: u32| FAMOUS.iter().any(|f| f.norad == id);
        let available = pos(top) as usize - FAMOUS.iter().filter(|f| f.norad <= top).count();
        if available < at_least {
            let mut p = pos(top);
            let mut more = at_least - available;
            while more > 0 {
                p += 1;
                if !famous(id_at(p)) {
                    more -= 1;
                }
            }
            let last = id_at(p);
            curve.knots.retain(|&(id, t)| id <= top && t < end);
            let from = curve.knots.last().map_or(end, |k| k.1);
            curve
                .knots
                .push((last, end.max(from + Duration::minutes(1))));
            top = last;
        }
        // The walk depends only on the seed and the curve up to `top`
        // (which moves every two hours or so): simulators started one
        // after another (tests) share it.
        let last = curve.knots.last().copied();
        let key = (seed, top, last);
        let mut walks = WALKS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, t)) = walks.iter().find(|(k, _)| *k == key) {
            return t.clone();
        }
        let mut t = Timeline {
            launches: Vec::new(),
            counters: HashMap::new(),
            nums: HashMap::new(),
            top,
            curve,
        };
        t.walk(seed);
        if walks.len() >= 4 {
            walks.remove(0);
        }
        walks.push((key, t.clone()));
        t
    }

    /// The launch of catalog number `id`, if walked.
    pub fn launch_of(&self, id: u32) -> Option<&Launch> {
        let i = self.launches.partition_point(|l| l.first <= id);
        let l = self.launches.get(i.checked_sub(1)?)?;
        (id < l.first + l.len).then_some(l)
    }

    fn walk(&mut self, seed: u64) {
        let mut pins: Vec<(u32, usize)> = FAMOUS
            .iter()
            .enumerate()
            .map(|(i, f)| (f.norad - f.before.len() as u32, i))
            .filter(|&(start, _)| start <= self.top)
            .collect();
        pins.sort_unstable();
        let mut sizes: HashMap<i32, f64> = HashMap::new();
        let mut n = 1u32;
        while n <= self.top {
            if GAP.contains(&n) {
                n = GAP.end;
                continue;
            }
            let next_pin = pins.iter().find(|p| p.0 > n).copied();
            let mut bound = self.top + 1;
            if n < GAP.start {
                bound = bound.min(GAP.start);
            }
            if let Some((start, _)) = next_pin {
                bound = bound.min(start);
            }
            if let Some(&(_, f)) = pins.iter().find(|p| p.0 == n) {
                let fam = &FAMOUS[f];
                let len =
                    fam.before.len() + 1 + fam.after.len() + usize::from(fam.rocket_body.is_some());
                let len = (len as u32).min(bound - n).max(1);
                let year = fam.launch.0;
                let num = fam.intldes[5..8].parse().unwrap_or(1);
                let at = self.curve.at(n);
                let e = self.nums.entry(year).or_default();
                *e = (*e).max(num);
                self.launches.push(Launch {
                    first: n,
                    len,
                    at,
                    year,
                    num,
                    what: Mission::Famous(f),
                });
                n += len;
                continue;
            }
            let at = self.curve.at(n);
            let year = at.year();
            let num = self.nums.get(&year).copied().unwrap_or(0) + 1;
            let pinned_next = next_pin
                .map(|(_, f)| &FAMOUS[f])
                .filter(|f| f.launch.0 == year)
                .and_then(|f| f.intldes[5..8].parse::<u32>().ok());
            let no_number = num > 999 || pinned_next.is_some_and(|p| num >= p);
            if no_number {
                if let Some(last) = self.launches.last_mut() {
                    if last.first + last.len == n {
                        last.len += bound - n;
                        n = bound;
                        continue;
                    }
                }
            }
            let key = |what: u64| mix(seed ^ ((n as u64) << 20) ^ what);
            let family = choose_family(at, &self.counters, key(0x1A));
            let fam = &FAMILIES[family];
            let vehicle = choose_vehicle(fam, year, key(0x1B));
            let site = choose_site(fam, &VEHICLES[vehicle], key(0x1C));
            let (lo, hi) = fam.payloads;
            let payloads = lo + (key(0x1D) % u64::from(hi - lo + 1)) as u32;
            let mean = *sizes.entry(year).or_insert_with(|| self.mean_size(year));
            let spare = (mean - payloads as f64 - 1.0).max(0.0);
            let u = (key(0x1E) >> 11) as f64 / (1u64 << 53) as f64;
            let debris = (-(1.0 - u).ln() * spare).min(200.0) as u32;
            let len = (payloads + 1 + debris).min(bound - n);
            let counter = self.counters.entry(fam.counter).or_insert(fam.first);
            let number = *counter;
            *counter += payloads.min(len);
            self.nums.insert(year, num);
            self.launches.push(Launch {
                first: n,
                len,
                at,
                year,
                num,
                what: Mission::Family {
                    family,
                    vehicle,
                    site,
                    payloads,
                    number,
                },
            });
            n += len;
        }
    }

    /// Numbers per launch in `year`, on average.
    fn mean_size(&self, year: i32) -> f64 {
        let start = |y: i32| {
            NaiveDate::from_ymd_opt(y, 1, 1)
                .unwrap_or_default()
                .and_time(Default::default())
        };
        let a = pos(self.curve.last_before(start(year)));
        let b = pos(self.curve.last_before(start(year + 1)));
        (b.saturating_sub(a)) as f64 / launches_per_year(year)
    }

    /// A launch at `at` after the catalog was built (one to three pieces):
    /// the next number of its year and family.
    pub fn launch_at(&mut self, seed: u64, at: NaiveDateTime, first: u32, pieces: u32) -> Launch {
        let key = |what: u64| mix(seed ^ ((first as u64) << 20) ^ what ^ 0x4E57);
        let family = choose_family(at, &self.counters, key(0x1A));
        let fam = &FAMILIES[family];
        let year = at.year();
        let vehicle = choose_vehicle(fam, year, key(0x1B));
        let site = choose_site(fam, &VEHICLES[vehicle], key(0x1C));
        let payloads = pieces.saturating_sub(1).max(1).min(fam.payloads.1);
        let num = self.nums.get(&year).copied().unwrap_or(0) + 1;
        self.nums.insert(year, num.min(999));
        let counter = self.counters.entry(fam.counter).or_insert(fam.first);
        let number = *counter;
        *counter += payloads;
        Launch {
            first,
            len: pieces,
            at,
            year,
            num: num.min(999),
            what: Mission::Family {
                family,
                vehicle,
                site,
                payloads,
                number,
            },
        }
    }

    /// `count` catalog numbers spread evenly over those walked (famous
    /// ones and `skip` aside), in increasing order; each of `keep` that
    /// was walked is among them.
    pub fn sample(&self, seed: u64, count: usize, keep: &[u32]) -> Vec<u32> {
        let famous = |id: u32| FAMOUS.iter().any(|f| f.norad == id);
        let mut skip: Vec<u32> = FAMOUS.iter().map(|f| f.norad).collect();
        skip.sort_unstable();
        let line: Vec<u32> = (1..=pos(self.top))
            .map(id_at)
            .filter(|id| skip.binary_search(id).is_err())
            .collect();
        if line.is_empty() || count == 0 {
            return Vec::new();
        }
        let count = count.min(line.len());
        let step = line.len() as f64 / count as f64;
        // One number from each of `count` equal, disjoint stretches.
        let mut ids: Vec<u32> = (0..count)
            .map(|j| {
                let lo = (j as f64 * step).floor() as u64;
                let hi = (((j + 1) as f64 * step).floor() as u64).max(lo + 1);
                let i = lo + mix(seed ^ 0x5A4D ^ j as u64) % (hi - lo);
                line[(i as usize).min(line.len() - 1)]
            })
            .collect();
        ids.dedup();
        for &k in keep {
            if k <= self.top && !famous(k) && !GAP.contains(&k) && ids.binary_search(&k).is_err() {
                let i = ids.partition_point(|&id| id < k);
                let near = if i == ids.len() { i - 1 } else { i };
                ids[near] = k;
                ids.sort_unstable();
                ids.dedup();
            }
        }
        ids
    }
}

/// When each family's launches start (as [`FAMILIES`]), made once.
fn family_starts() -> &'static [NaiveDateTime] {
    static STARTS: std::sync::OnceLock<Vec<NaiveDateTime>> = std::sync::OnceLock::new();
    STARTS.get_or_init(|| {
        FAMILIES
            .iter()
            .map(|f| date(f.from).and_time(Default::default()))
            .collect()
    })
}

/// A family active at `at` whose series has not ended, by weight; when
/// every series of the time has ended, they go on regardless.
fn choose_family(at: NaiveDateTime, counters: &HashMap<&'static str, u32>, key: u64) -> usize {
    let starts = family_starts();
    let year = at.year();
    let dated = |i: usize| {
        let f = &FAMILIES[i];
        starts[i] <= at && year <= f.to.max(starts[i].year())
    };
    let open = |i: usize| {
        let f = &FAMILIES[i];
        dated(i) && counters.get(f.counter).copied().unwrap_or(f.first) <= f.max
    };
    let any_open = (0..FAMILIES.len()).any(open);
    let active = |i: usize| if any_open { open(i) } else { dated(i) };
    let total: u64 = (0..FAMILIES.len())
        .filter(|&i| active(i))
        .map(|i| FAMILIES[i].weight as u64)
        .sum();
    if total == 0 {
        return (0..FAMILIES.len()).find(|&i| starts[i] <= at).unwrap_or(0);
    }
    let mut pick = key % total;
    for i in 0..FAMILIES.len() {
        if active(i) {
            let w = FAMILIES[i].weight as u64;
            if pick < w {
                return i;
            }
            pick -= w;
        }
    }
    0
}

/// One of the family's vehicles flying in `year`; else one of its owner's
/// flying then; else any flying then; else the family's nearest in time.
fn choose_vehicle(fam: &Family, year: i32, key: u64) -> usize {
    let flying = |v: &Vehicle| v.from <= year && year <= v.to;
    let of_family: Vec<usize> = fam
        .vehicles
        .iter()
        .filter_map(|name| VEHICLES.iter().position(|v| v.name == *name))
        .collect();
    let tiers: [Vec<usize>; 3] = [
        of_family
            .iter()
            .copied()
            .filter(|&v| flying(&VEHICLES[v]))
            .collect(),
        (0..VEHICLES.len())
            .filter(|&v| VEHICLES[v].owner == fam.owner && flying(&VEHICLES[v]))
            .collect(),
        (0..VEHICLES.len())
            .filter(|&v| flying(&VEHICLES[v]))
            .collect(),
    ];
    if let Some(pool) = tiers.iter().find(|t| !t.is_empty()) {
        return pool[(key % pool.len() as u64) as usize];
    }
    of_family
        .iter()
        .copied()
        .min_by_key(|&v| {
            let v = &VEHICLES[v];
            (v.from - year).max(year - v.to)
        })
        .unwrap_or(0)
}

/// One of the vehicle's sites that can reach the family's orbit.
fn choose_site(fam: &Family, v: &Vehicle, key: u64) -> &'static str {
    let polar = match fam.regime {
        Regime::Sso { .. } => true,
        Regime::Circular { incl, .. } => incl.0 > 80.0,
        _ => false,
    };
    let reach = match fam.regime {
        Regime::Circular { incl, .. } => incl.1.min(180.0 - incl.0),
        _ => 90.0,
    };
    let fits: Vec<&'static str> = v
        .sites
        .iter()
        .copied()
        .filter(|code| {
            site_by_code(code).is_some_and(|s| {
                s.country == v.owner && (!polar || s.polar) && s.lat <= reach + 2.0
            })
        })
        .collect();
    let from = if fits.is_empty() { v.sites } else { &fits[..] };
    from.get((key % from.len().max(1) as u64) as usize)
        .copied()
        .unwrap_or(SITES[0].code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piece_letters_skip_i_and_o_and_grow() {
        let all: Vec<String> = (0..24 + 24 * 24 + 2).map(piece_letters).collect();
        assert_eq!(all[0], "A");
        assert_eq!(all[7], "H");
        assert_eq!(all[8], "J");
        assert_eq!(all[23], "Z");
        assert_eq!(all[24], "AA");
        assert_eq!(all[24 + 24 * 24 - 1], "ZZ");
        assert_eq!(all[24 + 24 * 24], "AAA");
        assert!(all.iter().all(|p| !p.contains('I') && !p.contains('O')));
    }

    #[test]
    fn the_curve_passes_through_the_famous_launches() {
        let c = Curve::standard();
        assert_eq!(c.at(25_544).date(), date((1998, 11, 20)));
        assert!(
            c.knots
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1)
        );
        let t = NaiveDate::from_ymd_opt(2000, 1, 1)
            .unwrap()
            .and_time(Default::default());
        let last = c.last_before(t);
        assert!(c.at(last) <= t && c.at(last + 1) > t, "{last}");
    }
}
