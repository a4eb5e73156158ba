//! How each class is kept up to date, and how often Space-Track's guidance
//! lets it be asked for (../shared/reference/usage-guidance.md; a user can
//! override the cadence with `force`).

use chrono::{Datelike, Duration, NaiveDateTime, Timelike, Weekday};

/// How a class is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The whole class each time: small, and rows can change or go. Rows
    /// missing from the answer are marked `_removed_at`.
    Snapshot,
    /// Only rows whose `column` is above the newest value seen (less
    /// `overlap_hours` for a time column, for rows filed late): append-only
    /// message classes.
    Since {
        /// The watermark column.
        column: &'static str,
        /// How far before the watermark to ask again.
        overlap_hours: i64,
    },
    /// gp: element sets with a GP_ID above the newest seen, then a
    /// three-column check of the whole class that catches what GP_IDs do
    /// not show (decay dates set in place, objects that left the class).
    Current,
    /// gp_history: a date range pulled once in windows of EPOCH, then
    /// only new GP_IDs in that range.
    History,
}

/// How often a class may be synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// At most once per this many minutes.
    Every(i64),
    /// Once a day, after this UTC hour.
    DailyAfter(u32),
    /// Once a week, on this day after this UTC hour.
    WeeklyAfter(Weekday, u32),
}

/// The strategy and cadence of a mirrored class.
pub fn plan(class: &str) -> (Strategy, Cadence) {
    match class {
        // Current elements: at most hourly.
        "gp" => (Strategy::Current, Cadence::Every(60)),
        "gp_history" => (Strategy::History, Cadence::Every(24 * 60)),
        // satcat and boxscore: daily after 17:00 UTC (launch_site with them).
        "satcat" | "boxscore" | "launch_site" => (Strategy::Snapshot, Cadence::DailyAfter(17)),
        // decay: weekly, Wednesdays after 17:00 UTC.
        "decay" => (
            Strategy::Since {
                column: "MSG_EPOCH",
                overlap_hours: 24,
            },
            Cadence::WeeklyAfter(Weekday::Wed, 17),
        ),
        // tip: hourly.
        "tip" => (
            Strategy::Since {
                column: "ID",
                overlap_hours: 0,
            },
            Cadence::Every(60),
        ),
        // cdm_public: daily.
        "cdm_public" => (
            Strategy::Since {
                column: "CREATED",
                overlap_hours: 24,
            },
            Cadence::Every(24 * 60),
        ),
        _ => (Strategy::Snapshot, Cadence::Every(24 * 60)),
    }
}

/// A minute of the hour for scheduled syncs, never :00 or :30 (when every
/// client asks), different per class.
fn minute(class: &str) -> u32 {
    let h = class
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let m = 3 + h % 55;
    if m == 30 { 31 } else { m }
}

/// When the class may be synced again after a sync at `last`.
pub fn next_due(class: &str, cadence: Cadence, last: NaiveDateTime) -> NaiveDateTime {
    let at = |day: chrono::NaiveDate, hour: u32| {
        day.and_hms_opt(hour, minute(class), 0)
            .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).expect("midnight"))
    };
    // The data of a daily or weekly class is new after `hour`:00; a sync
    // at or after that time has it, so the next is a day (a week) later.
    let hour_start = |day: chrono::NaiveDate, hour: u32| {
        day.and_hms_opt(hour, 0, 0)
            .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).expect("midnight"))
    };
    match cadence {
        Cadence::Every(minutes) => {
            // To the minute: a job run by cron at the same minute every
            // hour starts a few milliseconds early or late, and must not
            // be refused every other time.
            let t = last + Duration::minutes(minutes);
            let t = t
                .with_second(0)
                .and_then(|t| t.with_nanosecond(0))
                .unwrap_or(t);
            if matches!(t.minute(), 0 | 30) {
                t + Duration::minutes(3)
            } else {
                t
            }
        }
        Cadence::DailyAfter(hour) => {
            if last < hour_start(last.date(), hour) {
                at(last.date(), hour)
            } else {
                at(last.date() + Duration::days(1), hour)
            }
        }
        Cadence::WeeklyAfter(day, hour) => {
            let ahead = (7 + day.num_days_from_monday() as i64
                - last.weekday().num_days_from_monday() as i64)
                % 7;
            let target = last.date() + Duration::days(ahead);
            if last < hour_start(target, hour) {
                at(target, hour)
            } else {
                at(target + Duration::days(7), hour)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn cadences_follow_the_guidance() {
        let gp = next_due("gp", plan("gp").1, t("2026-11-25 10:12"));
        assert_eq!(gp, t("2026-11-25 11:12"));
        // Daily after 17:00 UTC: the same day when synced before, else the next.
        let m = minute("satcat");
        assert!(m != 0 && m != 30);
        let d = next_due("satcat", plan("satcat").1, t("2026-11-25 09:00"));
        assert_eq!(
            (d.date(), d.hour(), d.minute()),
            (t("2026-11-25 00:00").date(), 17, m)
        );
        let d = next_due("satcat", plan("satcat").1, t("2026-11-25 18:00"));
        assert_eq!(d.date(), t("2026-11-26 00:00").date());
        // Weekly on Wednesdays after 17:00 (2026-11-25 is a Wednesday).
        let w = next_due("decay", plan("decay").1, t("2026-11-23 12:00"));
        assert_eq!(
            (w.weekday(), w.date().day(), w.hour()),
            (Weekday::Wed, 25, 17)
        );
        let w = next_due("decay", plan("decay").1, t("2026-11-25 18:00"));
        assert_eq!(w.date().day(), 2);
    }

    #[test]
    fn an_hourly_job_at_a_fixed_minute_is_never_refused() {
        // Synced at 10:12:00.4; cron starts the next run at 11:12:00.1.
        let last = t("2026-11-25 10:12") + Duration::milliseconds(400);
        let due = next_due("gp", plan("gp").1, last);
        assert_eq!(due, t("2026-11-25 11:12"));
        assert!(due <= t("2026-11-25 11:12") + Duration::milliseconds(100));
    }

    #[test]
    fn a_sync_after_the_hour_but_before_the_class_minute_waits_a_day() {
        // satcat's data is new after 17:00; a sync at 17:00 has it, so the
        // next is tomorrow's, not today's 17:m (and not twice a day).
        let m = minute("satcat");
        assert!(m > 1);
        let d = next_due("satcat", plan("satcat").1, t("2026-11-25 17:01"));
        assert_eq!((d.date().day(), d.hour(), d.minute()), (26, 17, m));
        let d = next_due("satcat", plan("satcat").1, t("2026-11-25 16:59"));
        assert_eq!((d.date().day(), d.hour(), d.minute()), (25, 17, m));
        // decay: Wednesdays after 17:00 (2026-11-25 is a Wednesday).
        let w = next_due("decay", plan("decay").1, t("2026-11-25 17:01"));
        assert_eq!((w.date().day(), w.hour()), (2, 17));
    }
}
