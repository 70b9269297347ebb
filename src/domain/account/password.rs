//! Password hashing with argon2id (the OWASP-recommended parameters of the `argon2` crate:
//! 19 MiB of memory, 2 passes).
//!
//! Each verification needs its 19 MiB block of memory: a [`Verifier`] keeps one and reuses it
//! from one verification to the next, so that a thread verifying passwords in a loop holds
//! exactly one block instead of asking the allocator for 19 MiB each time (glibc then keeps
//! the freed blocks in per-thread arenas: that is how a sign-in flood reached gigabytes).

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::LazyLock;

/// A hash of a random password, verified against when the username is unknown so that an
/// unknown user and a wrong password cost the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_password("certorder-dummy-password-for-timing").expect("argon2 hashing works")
});

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordError(String);

pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

#[cfg(test)]
/// Verifies `password` against `stored` (a PHC string); with `None`, verifies against a dummy
/// hash and returns false, at the same cost.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    use argon2::password_hash::PasswordVerifier as _;
    let hash = stored.unwrap_or(DUMMY_HASH.as_str());
    let ok = PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && stored.is_some()
}

/// Verifies passwords with a memory block of its own, kept between verifications.
#[derive(Default)]
pub struct Verifier {
    blocks: Vec<Block>,
}

impl Verifier {
    pub fn new() -> Self {
        Self::default()
    }

    #[cfg(test)]
    /// Bytes held now (0 after [`Verifier::release`]).
    pub fn held_bytes(&self) -> usize {
        self.blocks.len() * std::mem::size_of::<Block>()
    }

    /// Gives the memory block back (a thread that has been idle for a while).
    pub fn release(&mut self) {
        self.blocks = Vec::new();
    }

    /// Like [`verify_password`]: `None` verifies against the dummy hash, at the same cost, and
    /// is false.
    pub fn verify(&mut self, password: &str, stored: Option<&str>) -> bool {
        let hash = stored.unwrap_or(DUMMY_HASH.as_str());
        let ok = PasswordHash::new(hash)
            .ok()
            .and_then(|parsed| self.verify_parsed(password, &parsed))
            .unwrap_or(false);
        ok && stored.is_some()
    }

    fn verify_parsed(&mut self, password: &str, hash: &PasswordHash<'_>) -> Option<bool> {
        let algorithm = Algorithm::try_from(hash.algorithm).ok()?;
        let version = hash
            .version
            .map(Version::try_from)
            .transpose()
            .ok()?
            .unwrap_or_default();
        let params = Params::try_from(hash).ok()?;
        let expected = hash.hash?;
        let mut salt = [0u8; 64];
        let salt = hash.salt?.decode_b64(&mut salt).ok()?;
        let blocks = params.block_count();
        if self.blocks.len() != blocks {
            self.blocks = vec![Block::default(); blocks];
        }
        let mut out = [0u8; Output::MAX_LENGTH];
        let out = out.get_mut(..expected.len())?;
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut self.blocks)
            .ok()?;
        // `Output`'s equality is constant-time.
        Some(Output::new(out).ok()? == expected)
    }
}

/// Minimum rules for a new password (accounts are created by an operator with the CLI).
pub fn check_new_password(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 12 {
        return Err("a password needs at least 12 characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_and_verifies_only_its_password() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong horse battery", Some(&h)));
    }

    #[test]
    fn a_verifier_reusing_its_memory_agrees_with_the_reference_verification() {
        let h = hash_password("correct horse battery").unwrap();
        let mut v = Verifier::new();
        for _ in 0..2 {
            assert!(v.verify("correct horse battery", Some(&h)));
            assert!(!v.verify("wrong horse battery", Some(&h)));
            assert!(!v.verify("certorder-dummy-password-for-timing", None));
        }
        assert_eq!(v.held_bytes(), 19 * 1024 * 1024);
        v.release();
        assert_eq!(v.held_bytes(), 0);
        assert!(!v.verify("correct horse battery", Some("not a PHC string")));
    }

    #[test]
    fn an_unknown_user_never_verifies_even_with_the_dummy_password() {
        assert!(!verify_password(
            "certorder-dummy-password-for-timing",
            None
        ));
    }
}
