//! Rendering of predicates exactly as Space-Track reads them.

use super::*;

fn r<T: ToWire>(p: impl IntoPredicate<T>) -> Result<String, String> {
    p.into_predicate().render()
}

#[test]
fn converted_inputs_render_exactly() {
    type Dt = DateTime<Utc>;
    let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let next = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    assert_eq!(
        r::<Dt>(day),
        Ok("2026-11-01 00:00:00--2026-11-01 23:59:59.999999".into())
    );
    assert_eq!(
        r::<Dt>(day..=next),
        Ok("2026-11-01 00:00:00--2026-11-02 23:59:59.999999".into())
    );
    assert_eq!(r::<Dt>(gt(day)), Ok(">2026-11-01 00:00:00".into()));
    assert_eq!(r::<u32>(7i64), Ok("7".into()));
    assert_eq!(r::<u32>(&[1u16, 2][..]), Ok("1,2".into()));
    assert_eq!(r::<u32>(one_of(vec![3i64, 4])), Ok("3,4".into()));
    assert!(r::<u32>(-1i64).unwrap_err().contains("out of range"));
    assert!(r::<u8>(1..=300).unwrap_err().contains("out of range"));
    assert_eq!(r::<f64>(15), Ok("15".into()));
}

#[test]
fn renders_like_the_reference() {
    assert_eq!(r::<u32>(25544), Ok("25544".into()));
    assert_eq!(r::<u32>([25544, 41335]), Ok("25544,41335".into()));
    assert_eq!(r::<f64>(0.99..=1.01), Ok("0.99--1.01".into()));
    assert_eq!(r::<f64>(lt(0.01)), Ok("<0.01".into()));
    assert_eq!(r::<u32>(ne(5)), Ok("<>5".into()));
    assert_eq!(r::<String>(gt("A")), Ok(">A".into()));
    assert_eq!(
        r::<u32>(
            eq(36000)
                .or(range(36001, 36004))
                .or(like(36005))
                .or(starts_with(3600))
                .or(36010)
        ),
        Ok("36000,36001--36004,~~36005,^3600,36010".into())
    );
    assert_eq!(
        r::<NaiveDate>(Option::<NaiveDate>::None),
        Ok("null-val".into())
    );
    assert_eq!(r::<NaiveDate>(not_null()), Ok("<>null-val".into()));
    assert_eq!(
        r::<DateTime<Utc>>(gt(now_minus_days(30))),
        Ok(">now-30".into())
    );
    assert_eq!(
        r::<DateTime<Utc>>(lt(now_plus_days(0.5))),
        Ok("<now+0.5".into())
    );
    assert_eq!(r::<DateTime<Utc>>(gt(now())), Ok(">now".into()));
    let d = |m, day| NaiveDate::from_ymd_opt(2012, m, day).unwrap();
    assert_eq!(
        r::<NaiveDate>(d(7, 2)..=d(7, 9)),
        Ok("2012-07-02--2012-07-09".into())
    );
    let dt = NaiveDate::from_ymd_opt(1986, 1, 28)
        .unwrap()
        .and_hms_micro_opt(16, 39, 13, 123)
        .unwrap()
        .and_utc();
    assert_eq!(
        r::<DateTime<Utc>>(dt),
        Ok("1986-01-28 16:39:13.000123".into())
    );
}

#[test]
fn operator_characters_in_literals_are_rejected() {
    for bad in [
        "a,b", "x--y", ">5", "<5", "^A", "~~A", "A~~", "null-val", "",
    ] {
        assert!(r::<String>(bad).is_err(), "{bad:?} should be rejected");
    }
    assert!(r::<f64>(f64::NAN).is_err());
    assert!(r::<u32>(Vec::<u32>::new()).is_err());
    assert_eq!(
        r::<String>("ISS (ZARYA)/a&b?c#d%e+f"),
        Ok("ISS (ZARYA)/a&b?c#d%e+f".into())
    );
    assert_eq!(r::<i32>(-5..=-3), Ok("-5---3".into()));
}

#[test]
fn aliases_render_as_their_operators() {
    assert_eq!(r::<f64>(between(0.99, 1.01)), Ok("0.99--1.01".into()));
    assert_eq!(r::<f64>(between(0.99, 1.01)), r::<f64>(range(0.99, 1.01)));
    assert_eq!(r::<String>(contains("DEB")), Ok("~~DEB".into()));
    assert_eq!(r::<String>(contains("DEB")), r::<String>(like("DEB")));
    assert!(r::<String>(contains("A,B")).is_err());
}
