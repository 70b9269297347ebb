//! Query-string values read as strictly as the contract writes them.

use serde::{Deserialize, Deserializer};

/// An optional page size written as the contract's `integer` is: decimal digits with no sign,
/// no leading zero and no spaces (`20`, not `+20`, `020` or ` 20`). `str::parse` alone
/// accepts the first two, which a client generated from the contract never sends and a
/// fuzzer rightly calls schema-violating input accepted. The range is the handler's.
pub(crate) fn decimal<'de, D: Deserializer<'de>>(de: D) -> Result<Option<i64>, D::Error> {
    let Some(raw) = Option::<String>::deserialize(de)? else {
        return Ok(None);
    };
    let canonical = !raw.is_empty()
        && raw.bytes().all(|b| b.is_ascii_digit())
        && (raw == "0" || !raw.starts_with('0'));
    if !canonical {
        return Err(serde::de::Error::custom(format!(
            "{raw:?} is not an integer written in decimal digits"
        )));
    }
    raw.parse()
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("{raw:?} is out of range")))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Q {
        #[serde(default, deserialize_with = "super::decimal")]
        limit: Option<i64>,
    }

    fn parse(query: &str) -> Result<Option<i64>, String> {
        actix_web::web::Query::<Q>::from_query(query)
            .map(|q| q.into_inner().limit)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_limit_in_plain_decimal_digits_is_read_and_an_absent_one_is_none() {
        assert_eq!(parse("limit=20"), Ok(Some(20)));
        assert_eq!(parse("limit=0"), Ok(Some(0)));
        assert_eq!(parse(""), Ok(None));
    }

    #[test]
    fn a_sign_a_leading_zero_a_space_or_a_fraction_is_refused() {
        for raw in [
            "%2B5",
            "-5",
            "05",
            "%205",
            "5.0",
            "1e1",
            "",
            "5a",
            "99999999999999999999",
        ] {
            assert!(
                parse(&format!("limit={raw}")).is_err(),
                "{raw} was accepted"
            );
        }
    }
}
