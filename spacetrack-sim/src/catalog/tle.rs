//! TLE lines: Alpha-5 catalog numbers, the assumed-decimal exponent form
//! and checksums.

use chrono::NaiveDateTime;

use super::Object;

/// Alpha-5 catalog number: `25544`, `A0001` (100001), ...
pub fn alpha5(norad: u32) -> String {
    if norad < 100_000 {
        return format!("{norad:5}");
    }
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let lead = (norad / 10_000 - 10) as usize;
    format!("{}{:04}", LETTERS[lead] as char, norad % 10_000)
}

/// `0.00012345` → ` 12345-3` (TLE "assumed decimal point" exponent form).
fn tle_exp(v: f64) -> String {
    if v == 0.0 {
        return " 00000-0".into();
    }
    let sign = if v < 0.0 { '-' } else { ' ' };
    let a = v.abs();
    let mut e = a.log10().floor() as i32 + 1;
    let mut m = (a / 10f64.powi(e) * 1e5).round() as u64;
    if m >= 100_000 {
        m /= 10;
        e += 1;
    }
    let es = if e < 0 { '-' } else { '+' };
    format!("{sign}{m:05}{es}{}", e.abs().min(9))
}

fn checksum(line: &str) -> u32 {
    line.bytes()
        .map(|b| match b {
            b'0'..=b'9' => (b - b'0') as u32,
            b'-' => 1,
            _ => 0,
        })
        .sum::<u32>()
        % 10
}

/// TLE line 1 and line 2 of an element set.
pub fn tle_lines(
    o: &Object,
    epoch: NaiveDateTime,
    mean_anomaly: f64,
    rev: u32,
    elset: u16,
) -> (String, String) {
    use chrono::{Datelike, Timelike};
    let sat = alpha5(o.norad);
    let intl = {
        let y = &o.intldes[2..4];
        let rest = &o.intldes[5..];
        format!("{y}{rest}")
    };
    let day = epoch.ordinal() as f64
        + (epoch.num_seconds_from_midnight() as f64 + epoch.nanosecond() as f64 * 1e-9) / 86_400.0;
    let ndot = {
        let s = format!("{:.8}", o.mean_motion_dot.abs());
        let s = s.trim_start_matches('0').to_owned();
        let negative = o.mean_motion_dot < 0.0 && s != ".00000000";
        format!("{}{s}", if negative { '-' } else { ' ' })
    };
    let l1 = format!(
        "1 {sat}U {intl:<8} {:02}{day:012.8} {ndot} {} {} 0 {:>4}",
        epoch.year() % 100,
        tle_exp(0.0),
        tle_exp(o.bstar),
        elset % 10_000
    );
    let ecc = format!("{:.7}", o.eccentricity);
    let l2 = format!(
        "2 {sat} {:8.4} {:8.4} {} {:8.4} {:8.4} {:11.8}{:5}",
        o.inclination,
        o.raan,
        &ecc[2..],
        o.arg_perigee,
        mean_anomaly,
        o.mean_motion,
        rev % 100_000
    );
    let c1 = checksum(&l1);
    let c2 = checksum(&l2);
    (format!("{l1}{c1}"), format!("{l2}{c2}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn anchor() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    #[test]
    fn tle_lines_are_69_chars_with_valid_checksums() {
        let cat = Catalog::new(1500, 1, anchor());
        for o in cat.objects.iter().filter(|o| o.has_tle()) {
            let (l1, l2) = tle_lines(o, o.epoch, o.mean_anomaly, o.rev, o.element_set_no);
            assert_eq!(l1.len(), 69, "{l1}");
            assert_eq!(l2.len(), 69, "{l2}");
            let c: u32 = l1[68..].parse().unwrap();
            assert_eq!(checksum(&l1[..68]), c);
        }
        assert_eq!(alpha5(100_001), "A0001");
        assert_eq!(alpha5(339_999), "Z9999");
        assert_eq!(tle_exp(0.00012345), " 12345-3");
        assert_eq!(tle_exp(-0.000011606), "-11606-4");
    }
}
