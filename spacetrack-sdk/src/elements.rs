//! Element-set text of `gp` and `gp_history` records: the two or three
//! lines of a TLE exactly as Space-Track sends them (Alpha-5 catalog
//! numbers above 99999 included), without unpacking three `Option`s.

macro_rules! tle_lines {
    ($($rec:ty),*) => {$(
        impl $rec {
            /// The two lines of the element set (`TLE_LINE1`, `TLE_LINE2`),
            /// or `None` when Space-Track has no TLE for it (either is null).
            ///
            /// ```
            /// # fn demo(gp: &spacetrack::Gp) {
            /// if let Some([line1, line2]) = gp.tle() {
            ///     println!("{line1}\n{line2}");
            /// }
            /// # }
            /// ```
            pub fn tle(&self) -> Option<[&str; 2]> {
                Some([self.tle_line1.as_deref()?, self.tle_line2.as_deref()?])
            }

            /// The three lines of the element set with its name line
            /// (`TLE_LINE0`, `0 ISS (ZARYA)`), or `None` when any is null.
            pub fn three_le(&self) -> Option<[&str; 3]> {
                let [line1, line2] = self.tle()?;
                Some([self.tle_line0.as_deref()?, line1, line2])
            }
        }
    )*};
}

tle_lines!(crate::Gp, crate::GpHistory);
