//! French business days: Monday to Friday, except the public holidays of metropolitan France
//! (Code du travail, art. L3133-1): 1 January, Easter Monday, 1 May, 8 May, Ascension Day,
//! Whit Monday, 14 July, 15 August, 1 November, 11 November, 25 December. The RGS acceptance
//! deadline (8 business days) counts these.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday of `year` (Gregorian calendar; the anonymous "Meeus/Jones/Butcher" computus).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("the computus gives a date")
}

/// Whether `date` is a French public holiday.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    let fixed = matches!(
        (date.month(), date.day()),
        (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
    );
    if fixed {
        return true;
    }
    let easter = easter_sunday(date.year());
    [1u64, 39, 50]
        .iter()
        .any(|&offset| easter.checked_add_days(Days::new(offset)) == Some(date))
}

/// Whether `date` is a business day (a weekday that is not a public holiday).
pub fn is_business_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_public_holiday(date)
}

/// The date `n` business days after `start` (`start` itself does not count): the last day on
/// which something due "within `n` business days" of `start` may still be done.
pub fn add_business_days(start: NaiveDate, n: u32) -> NaiveDate {
    let mut date = start;
    let mut left = n;
    while left > 0 {
        date = date
            .succ_opt()
            .expect("dates stay far from the calendar's end");
        if is_business_day(date) {
            left -= 1;
        }
    }
    date
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_falls_on_the_published_sundays() {
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
    }

    #[test]
    fn the_movable_holidays_of_2026_follow_easter() {
        assert!(is_public_holiday(d(2026, 4, 6))); // Easter Monday
        assert!(is_public_holiday(d(2026, 5, 14))); // Ascension
        assert!(is_public_holiday(d(2026, 5, 25))); // Whit Monday
        assert!(!is_public_holiday(d(2026, 4, 5))); // Easter Sunday itself is a Sunday anyway
        assert!(!is_public_holiday(d(2026, 5, 15)));
    }

    #[test]
    fn eight_business_days_skip_weekends_and_holidays() {
        // Wednesday 2026-12-16 + 8: Thu 17, Fri 18, Mon 21, Tue 22, Wed 23, Thu 24,
        // (Fri 25 Christmas), Mon 28, Tue 29.
        assert_eq!(add_business_days(d(2026, 12, 16), 8), d(2026, 12, 29));
        // Friday 2026-05-01 (a holiday) + 8: 4, 5, 6, 7, (8 May), 11, 12, 13, (14 Ascension), 15.
        assert_eq!(add_business_days(d(2026, 5, 1), 8), d(2026, 5, 15));
        assert_eq!(add_business_days(d(2026, 12, 16), 0), d(2026, 12, 16));
    }
}
