//! Propagation: `gp` and `gp_history` records convert to
//! [`sgp4::Elements`] (feature `sgp4`).
//!
//! ```
//! # fn demo(iss: &spacetrack::Gp) -> Result<(), Box<dyn std::error::Error>> {
//! let elements = sgp4::Elements::try_from(iss)?;
//! let constants = sgp4::Constants::from_elements(&elements)?;
//! let now = chrono::Utc::now().naive_utc();
//! let t = elements.datetime_to_minutes_since_epoch(&now)?;
//! let [x, y, z] = constants.propagate(t)?.position; // km, TEME frame
//! # let _ = (x, y, z);
//! # Ok(()) }
//! ```
//!
//! Space-Track leaves element columns null for some objects (analyst
//! objects, records being corrected). The conversion then fails with an
//! [`ElementsError`] naming the column, rather than propagating a zero.
//! Columns SGP4 does not read (`MEAN_MOTION_DOT`, `MEAN_MOTION_DDOT`,
//! `ELEMENT_SET_NO`, `REV_AT_EPOCH`, `EPHEMERIS_TYPE`,
//! `CLASSIFICATION_TYPE`) default to zero or unclassified when null.

/// A record that cannot be propagated: a column SGP4 needs is null or out
/// of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{class} record of NORAD {norad_cat_id} cannot be propagated: {column} {problem}")]
pub struct ElementsError {
    /// `gp` or `gp_history`.
    pub class: &'static str,
    /// The object.
    pub norad_cat_id: u32,
    /// The Space-Track column at fault, e.g. `MEAN_MOTION`.
    pub column: &'static str,
    /// `is null` or what is wrong with the value.
    pub problem: String,
}

macro_rules! elements_from {
    ($rec:ty, $class:literal) => {
        impl TryFrom<&$rec> for sgp4::Elements {
            type Error = ElementsError;

            fn try_from(r: &$rec) -> Result<Self, ElementsError> {
                let fail = |column: &'static str, problem: &str| ElementsError {
                    class: $class,
                    norad_cat_id: r.norad_cat_id,
                    column,
                    problem: problem.to_owned(),
                };
                let need =
                    |v: Option<f64>, column: &'static str| v.ok_or_else(|| fail(column, "is null"));
                let epoch = r.epoch.ok_or_else(|| fail("EPOCH", "is null"))?;
                let ephemeris_type = match r.ephemeris_type {
                    None => 0,
                    Some(t) => u8::try_from(i64::from(t))
                        .map_err(|_| fail("EPHEMERIS_TYPE", &format!("is {t}")))?,
                };
                let classification = match r.classification_type.as_deref() {
                    None | Some("U") => sgp4::Classification::Unclassified,
                    Some("C") => sgp4::Classification::Classified,
                    Some("S") => sgp4::Classification::Secret,
                    Some(other) => {
                        return Err(fail("CLASSIFICATION_TYPE", &format!("is {other:?}")));
                    }
                };
                Ok(sgp4::Elements {
                    object_name: r.object_name.clone(),
                    international_designator: r.object_id.clone(),
                    norad_id: u64::from(r.norad_cat_id),
                    classification,
                    datetime: epoch.naive_utc(),
                    mean_motion_dot: r.mean_motion_dot.unwrap_or(0.0),
                    mean_motion_ddot: r.mean_motion_ddot.unwrap_or(0.0),
                    drag_term: need(r.bstar, "BSTAR")?,
                    element_set_number: r.element_set_no.map_or(0, u64::from),
                    inclination: need(r.inclination, "INCLINATION")?,
                    right_ascension: need(r.ra_of_asc_node, "RA_OF_ASC_NODE")?,
                    eccentricity: need(r.eccentricity, "ECCENTRICITY")?,
                    argument_of_perigee: need(r.arg_of_pericenter, "ARG_OF_PERICENTER")?,
                    mean_anomaly: need(r.mean_anomaly, "MEAN_ANOMALY")?,
                    mean_motion: need(r.mean_motion, "MEAN_MOTION")?,
                    revolution_number: r.rev_at_epoch.map_or(0, u64::from),
                    ephemeris_type,
                })
            }
        }

        impl TryFrom<$rec> for sgp4::Elements {
            type Error = ElementsError;

            fn try_from(r: $rec) -> Result<Self, ElementsError> {
                sgp4::Elements::try_from(&r)
            }
        }
    };
}

elements_from!(crate::Gp, "gp");
elements_from!(crate::GpHistory, "gp_history");
