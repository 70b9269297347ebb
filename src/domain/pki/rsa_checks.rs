//! Quality checks of an RSA public key, as pure functions of its modulus and exponent.
//!
//! What the CA/Browser Forum Baseline Requirements (§6.1.5, §6.1.6) and common CA practice
//! ask of a subscriber's RSA key:
//! - modulus of at least 2048 bits and a multiple of 8 (and, here, at most 8192 bits);
//! - an odd public exponent between 65537 and 2^32 − 1 (3 is refused; the Baseline
//!   Requirements only SHOULD-bound it by 2^256 − 1, but no real key uses more than 65537
//!   and the signature verifier cannot check a CSR with e ≥ 2^33);
//! - no small prime factor (trial division by every prime below [`SMALL_PRIME_BOUND`]);
//! - not Fermat-factorable (p and q too close: [`FERMAT_ROUNDS`] rounds of Fermat's method);
//! - not a ROCA key (CVE-2017-15361, Infineon RSALib; Nemec et al., CCS 2017): the modulus of
//!   a ROCA key is, modulo each small prime p of [`ROCA_PRIMES`], a power of 65537.
//!
//! Every check is cheap: about 0.1 ms in all for a 2048-bit modulus (see the `#[ignore]`d
//! timing test in `csr.rs`).

use std::sync::LazyLock;

use num_bigint::BigUint;
use num_traits::{One, ToPrimitive, Zero};

use crate::domain::shared::issue::{Code, FieldIssue};

/// Smallest accepted modulus, in bits.
pub const MIN_BITS: u64 = 2048;
/// Largest accepted modulus, in bits (also bounds the cost of the checks).
pub const MAX_BITS: u64 = 8192;
/// Smallest accepted public exponent.
pub const MIN_EXPONENT: u64 = 65537;
/// Trial division uses every prime below this bound (1,899 odd primes below 16,384).
///
/// Measured on this project's machine: ~50 µs for a 2048-bit modulus with this bound; the
/// first 10,000 primes would cost ~290 µs, too much for the 5,000 decodes/s target, and a
/// broken key generator that leaves a factor between 16,384 and 104,729 but none below is
/// not a realistic case (Let's Encrypt's Boulder stops at 751).
pub const SMALL_PRIME_BOUND: u32 = 16_384;
/// Rounds of Fermat's method, starting from ceil(sqrt(n)) (the value Boulder uses).
pub const FERMAT_ROUNDS: u32 = 100;
/// The small primes of the ROCA fingerprint (those of the public `roca-detect` tool, less 2,
/// for which the test is trivially true for an odd modulus).
pub const ROCA_PRIMES: [u32; 38] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];
/// The generator of the ROCA primes' structure.
const ROCA_GENERATOR: u32 = 65537;

/// Every finding about an RSA key (empty when the key is acceptable). All at `pointer`.
pub fn check_rsa_key(modulus: &BigUint, exponent: &BigUint, pointer: &str) -> Vec<FieldIssue> {
    let mut issues = Vec::new();
    let bits = modulus.bits();
    if bits < MIN_BITS {
        issues.push(FieldIssue::new(
            pointer,
            Code::KeyTooSmall,
            format!(
                "La clé RSA fait {bits} bits : le minimum est {MIN_BITS} bits. \
                 Générez une nouvelle clé RSA d'au moins 2048 bits (ou ECDSA P-256)."
            ),
            format!(
                "The RSA key has {bits} bits: the minimum is {MIN_BITS} bits. \
                 Generate a new RSA key of at least 2048 bits (or ECDSA P-256)."
            ),
        ));
    } else if bits > MAX_BITS {
        issues.push(FieldIssue::new(
            pointer,
            Code::KeyTooLarge,
            format!("La clé RSA fait {bits} bits : le maximum accepté est {MAX_BITS} bits."),
            format!("The RSA key has {bits} bits: the largest accepted is {MAX_BITS} bits."),
        ));
    }
    if bits % 8 != 0 {
        issues.push(FieldIssue::new(
            pointer,
            Code::KeySizeNotMultipleOf8,
            format!(
                "La taille du module RSA ({bits} bits) n'est pas un multiple de 8 : \
                 utilisez une taille standard (2048, 3072 ou 4096 bits)."
            ),
            format!(
                "The RSA modulus size ({bits} bits) is not a multiple of 8: \
                 use a standard size (2048, 3072 or 4096 bits)."
            ),
        ));
    }
    if let Some(issue) = check_exponent(exponent, pointer) {
        issues.push(issue);
    }
    if bits > MAX_BITS || modulus.is_zero() {
        return issues;
    }
    if let Some(p) = small_prime_factor(modulus) {
        issues.push(FieldIssue::new(
            pointer,
            Code::KeyWeak,
            format!(
                "Clé RSA faible : le module a un petit facteur premier ({p}). \
                 La clé est cassée ; générez-en une nouvelle."
            ),
            format!(
                "Weak RSA key: the modulus has a small prime factor ({p}). \
                 The key is broken; generate a new one."
            ),
        ));
    }
    if fermat_factor(modulus, FERMAT_ROUNDS).is_some() {
        issues.push(FieldIssue::new(
            pointer,
            Code::KeyWeak,
            "Clé RSA faible : ses deux facteurs premiers sont trop proches et le module se \
             factorise par la méthode de Fermat. Générez une nouvelle clé.",
            "Weak RSA key: its two prime factors are too close and the modulus is factored \
             by Fermat's method. Generate a new key.",
        ));
    }
    if is_roca(modulus) {
        issues.push(FieldIssue::new(
            pointer,
            Code::KeyWeak,
            "Clé RSA faible : elle présente l'empreinte ROCA (CVE-2017-15361, puces Infineon) \
             et peut être factorisée. Générez une nouvelle clé avec un logiciel ou un \
             équipement corrigé.",
            "Weak RSA key: it has the ROCA fingerprint (CVE-2017-15361, Infineon chips) and \
             can be factored. Generate a new key with fixed software or hardware.",
        ));
    }
    issues
}

/// The finding about a public exponent, if any: it must be odd and in [65537, 2^32 − 1].
pub fn check_exponent(exponent: &BigUint, pointer: &str) -> Option<FieldIssue> {
    let ok = exponent.bit(0) && *exponent >= BigUint::from(MIN_EXPONENT) && exponent.bits() <= 32;
    if ok {
        return None;
    }
    let shown = if exponent.bits() <= 64 {
        exponent.to_string()
    } else {
        format!("un nombre de {} bits", exponent.bits())
    };
    let shown_en = if exponent.bits() <= 64 {
        exponent.to_string()
    } else {
        format!("a {}-bit number", exponent.bits())
    };
    Some(FieldIssue::new(
        pointer,
        Code::KeyExponent,
        format!(
            "L'exposant public RSA ({shown}) n'est pas accepté : il doit être impair, \
             au moins 65537 et inférieur à 2^32. Générez une nouvelle clé (exposant 65537)."
        ),
        format!(
            "The RSA public exponent ({shown_en}) is not accepted: it must be odd, \
             at least 65537 and below 2^32. Generate a new key (exponent 65537)."
        ),
    ))
}

/// Odd primes below [`SMALL_PRIME_BOUND`], packed into products that fit in a u64, so that
/// one pass over the modulus' limbs serves three or four primes.
struct PackedPrimes {
    groups: Vec<(u64, Vec<u32>)>,
}

fn odd_primes_below(bound: u32) -> Vec<u32> {
    let n = bound as usize;
    let mut composite = vec![false; n];
    let mut primes = Vec::new();
    for i in 2..n {
        if composite[i] {
            continue;
        }
        if i > 2 {
            primes.push(i as u32);
        }
        let mut j = i * i;
        while j < n {
            composite[j] = true;
            j += i;
        }
    }
    primes
}

fn pack(primes: &[u32]) -> Vec<(u64, Vec<u32>)> {
    let mut groups = Vec::new();
    let mut product: u64 = 1;
    let mut members = Vec::new();
    for &p in primes {
        match product.checked_mul(u64::from(p)) {
            Some(next) => product = next,
            None => {
                groups.push((product, std::mem::take(&mut members)));
                product = u64::from(p);
            }
        }
        members.push(p);
    }
    if !members.is_empty() {
        groups.push((product, members));
    }
    groups
}

static SMALL_PRIMES: LazyLock<PackedPrimes> = LazyLock::new(|| PackedPrimes {
    groups: pack(&odd_primes_below(SMALL_PRIME_BOUND)),
});

/// `n mod m` for a modulus given as little-endian u64 limbs.
fn rem_u64(limbs: &[u64], m: u64) -> u64 {
    let m = u128::from(m);
    let mut r: u128 = 0;
    for &limb in limbs.iter().rev() {
        r = ((r << 64) | u128::from(limb)) % m;
    }
    r as u64
}

/// The smallest prime factor of `n` below [`SMALL_PRIME_BOUND`] (2 included), if any.
/// A prime `n` itself below the bound is reported as its own factor.
pub fn small_prime_factor(n: &BigUint) -> Option<u32> {
    if n.is_zero() {
        return None;
    }
    if !n.bit(0) {
        return Some(2);
    }
    let limbs = n.to_u64_digits();
    for (product, members) in &SMALL_PRIMES.groups {
        let r = rem_u64(&limbs, *product);
        if let Some(&p) = members.iter().find(|&&p| r % u64::from(p) == 0) {
            return Some(p);
        }
    }
    None
}

/// Fermat's factorization for `rounds` rounds from a = ceil(sqrt(n)): finds n = p·q when
/// (p + q) / 2 is within `rounds` of sqrt(n), i.e. when p and q are very close.
/// Returns the two factors (smaller first).
pub fn fermat_factor(n: &BigUint, rounds: u32) -> Option<(BigUint, BigUint)> {
    if n.is_zero() || !n.bit(0) {
        return None;
    }
    let mut a = n.sqrt();
    if &a * &a < *n {
        a += 1u32;
    }
    // b2 = a² − n, updated as a grows: (a+1)² − n = b2 + 2a + 1.
    let mut b2 = &a * &a - n;
    for _ in 0..rounds {
        if maybe_square(&b2) {
            let b = b2.sqrt();
            if &b * &b == b2 {
                let p = &a - &b;
                let q = &a + &b;
                if !p.is_one() {
                    return Some((p, q));
                }
            }
        }
        b2 += &a << 1u32;
        b2 += 1u32;
        a += 1u32;
    }
    None
}

/// Cheap filter before an integer square root: is `x` a square modulo 64, 63, 65 and 11?
/// (Lets through about 1 in 100 non-squares.)
fn maybe_square(x: &BigUint) -> bool {
    static TABLES: LazyLock<[Vec<bool>; 4]> = LazyLock::new(|| {
        let table = |m: u32| {
            let mut t = vec![false; m as usize];
            for i in 0..m {
                t[((i * i) % m) as usize] = true;
            }
            t
        };
        [table(64), table(63), table(65), table(11)]
    });
    let t = &*TABLES;
    let low = x.iter_u64_digits().next().unwrap_or(0);
    if !t[0][(low % 64) as usize] {
        return false;
    }
    let r = (x % 45_045u32).to_u32().unwrap_or(0); // 63 · 65 · 11
    t[1][(r % 63) as usize] && t[2][(r % 65) as usize] && t[3][(r % 11) as usize]
}

/// For each ROCA prime p, the set of residues of the subgroup of (Z/pZ)* generated by 65537,
/// as a bitmask; and the primes packed into u64 products for one pass over the modulus.
struct RocaTables {
    masks: Vec<(u32, [u64; 3])>,
    groups: Vec<(u64, Vec<u32>)>,
}

static ROCA: LazyLock<RocaTables> = LazyLock::new(|| {
    let masks = ROCA_PRIMES
        .iter()
        .map(|&p| {
            let mut mask = [0u64; 3];
            let g = ROCA_GENERATOR % p;
            let mut x = 1u32;
            loop {
                mask[(x / 64) as usize] |= 1 << (x % 64);
                x = x * g % p;
                if x == 1 {
                    break;
                }
            }
            (p, mask)
        })
        .collect();
    RocaTables {
        masks,
        groups: pack(&ROCA_PRIMES),
    }
});

/// Does `n` have the ROCA fingerprint: for every prime p of [`ROCA_PRIMES`], is n mod p in
/// the subgroup generated by 65537? (A random modulus passes with probability ~2^-150.)
pub fn is_roca(n: &BigUint) -> bool {
    let tables = &*ROCA;
    let limbs = n.to_u64_digits();
    let mut residues = [0u32; ROCA_PRIMES.len()];
    let mut i = 0;
    for (product, members) in &tables.groups {
        let r = rem_u64(&limbs, *product);
        for &p in members {
            residues[i] = (r % u64::from(p)) as u32;
            i += 1;
        }
    }
    tables
        .masks
        .iter()
        .zip(residues)
        .all(|((_, mask), r)| mask[(r / 64) as usize] & (1 << (r % 64)) != 0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use num_integer::Integer;
    use rand::{Rng, RngCore};
    use x509_parser::prelude::*;
    use x509_parser::public_key::PublicKey;

    /// Miller–Rabin with `rounds` random bases (after trial division).
    pub(crate) fn is_probable_prime(n: &BigUint, rounds: u32) -> bool {
        let two = BigUint::from(2u32);
        if *n < two {
            return false;
        }
        if let Some(p) = small_prime_factor(n) {
            return *n == BigUint::from(p);
        }
        let n1 = n - 1u32;
        let s = n1.trailing_zeros().unwrap_or(0);
        let d = &n1 >> s;
        let mut rng = rand::thread_rng();
        'witness: for _ in 0..rounds {
            let a = random_below(&mut rng, &(n - 3u32)) + 2u32;
            let mut x = a.modpow(&d, n);
            if x.is_one() || x == n1 {
                continue;
            }
            for _ in 1..s {
                x = x.modpow(&two, n);
                if x == n1 {
                    continue 'witness;
                }
            }
            return false;
        }
        true
    }

    fn random_bits(rng: &mut impl RngCore, bits: u64) -> BigUint {
        let mut bytes = vec![0u8; bits.div_ceil(8) as usize];
        rng.fill_bytes(&mut bytes);
        let mut x = BigUint::from_bytes_be(&bytes) >> (bytes.len() as u64 * 8 - bits);
        x.set_bit(bits - 1, true);
        x
    }

    fn random_below(rng: &mut impl RngCore, bound: &BigUint) -> BigUint {
        let mut bytes = vec![0u8; bound.bits().div_ceil(8) as usize + 8];
        rng.fill_bytes(&mut bytes);
        BigUint::from_bytes_be(&bytes) % bound
    }

    pub(crate) fn random_prime(bits: u64) -> BigUint {
        let mut rng = rand::thread_rng();
        loop {
            let mut p = random_bits(&mut rng, bits);
            p.set_bit(0, true);
            p.set_bit(bits - 2, true); // p·q then has exactly 2·bits bits
            if is_probable_prime(&p, 20) {
                return p;
            }
        }
    }

    fn next_prime(from: &BigUint) -> BigUint {
        let mut p = from | BigUint::one();
        while !is_probable_prime(&p, 20) {
            p += 2u32;
        }
        p
    }

    /// A ROCA-structured prime of about `bits` bits: p = k·M + (65537^a mod M), M the
    /// product of 2 and the ROCA primes.
    fn roca_prime(bits: u64) -> BigUint {
        let m: BigUint = ROCA_PRIMES
            .iter()
            .fold(BigUint::from(2u32), |acc, &p| acc * p);
        let mut rng = rand::thread_rng();
        loop {
            let k = random_bits(&mut rng, bits - m.bits());
            let a: u32 = rng.gen_range(1..1_000_000);
            let p = &k * &m + BigUint::from(ROCA_GENERATOR).modpow(&BigUint::from(a), &m);
            if is_probable_prime(&p, 20) {
                return p;
            }
        }
    }

    fn codes(issues: &[FieldIssue]) -> Vec<&str> {
        issues.iter().map(|i| i.code.as_str()).collect()
    }

    fn e65537() -> BigUint {
        BigUint::from(65537u32)
    }

    /// Real moduli from the openssl-made corpus.
    pub(crate) fn corpus_moduli() -> Vec<BigUint> {
        let pems = [
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/csr/rsa2048_ok.pem"
            )),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/csr/rsa3072_ok.pem"
            )),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/csr/rsa_exponent3.pem"
            )),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/csr/rsa1024_too_small.pem"
            )),
        ];
        pems.iter()
            .map(|pem| {
                let (_, pem) = parse_x509_pem(pem.as_bytes()).unwrap();
                let (_, csr) = X509CertificationRequest::from_der(&pem.contents).unwrap();
                match csr.certification_request_info.subject_pki.parsed().unwrap() {
                    PublicKey::RSA(k) => BigUint::from_bytes_be(k.modulus),
                    _ => panic!("not RSA"),
                }
            })
            .collect()
    }

    #[test]
    fn real_moduli_pass_the_weakness_checks() {
        let moduli = corpus_moduli();
        assert_eq!(moduli[0].bits(), 2048);
        assert_eq!(moduli[1].bits(), 3072);
        for n in &moduli {
            assert_eq!(small_prime_factor(n), None);
            assert!(fermat_factor(n, FERMAT_ROUNDS).is_none());
            assert!(!is_roca(n));
        }
        assert!(check_rsa_key(&moduli[0], &e65537(), "/k").is_empty());
        assert!(check_rsa_key(&moduli[1], &e65537(), "/k").is_empty());
    }

    #[test]
    fn roca_structured_modulus_is_flagged() {
        let p = roca_prime(1024);
        let q = roca_prime(1024);
        let n = &p * &q;
        assert!(
            is_roca(&p) && is_roca(&q),
            "the primes themselves have the structure"
        );
        assert!(is_roca(&n));
        let issues = check_rsa_key(&n, &e65537(), "/csr_pem");
        let roca: Vec<_> = issues
            .iter()
            .filter(|i| i.message_en.contains("ROCA"))
            .collect();
        assert_eq!(roca.len(), 1, "{issues:?}");
        assert_eq!(roca[0].code, "key_weak");
        assert_eq!(roca[0].pointer, "/csr_pem");
        // a product of a ROCA prime and an ordinary prime is not a ROCA modulus
        assert!(!is_roca(&(&p * random_prime(1024))));
    }

    #[test]
    fn roca_subgroups_are_those_of_65537() {
        // 65537 ≡ 2 (mod 3, 5 and 17): it generates all of (Z/3Z)* and (Z/5Z)*, and the
        // subgroup {1, 2, 4, 8, 16, 15, 13, 9} of order 8 in (Z/17Z)*.
        let t = &*ROCA;
        let (p, mask) = t.masks[0];
        assert_eq!(p, 3);
        assert_eq!(mask[0], 0b110); // {1, 2}
        let (p, mask) = t.masks[1];
        assert_eq!(p, 5);
        assert_eq!(mask[0], 0b11110); // {1,2,3,4}
        let (p, mask) = t.masks[5];
        let expected = [1u64, 2, 4, 8, 16, 15, 13, 9]
            .iter()
            .fold(0u64, |m, &x| m | (1 << x));
        assert_eq!((p, mask), (17, [expected, 0, 0]));
        for &(p, mask) in &t.masks {
            let size: u32 = mask.iter().map(|m| m.count_ones()).sum();
            assert_eq!((p - 1) % size, 0, "subgroup order divides p-1 for {p}");
        }
    }

    #[test]
    fn fermat_pair_is_flagged() {
        let p = random_prime(1024);
        let q = next_prime(&(&p + (1u32 << 20)));
        let n = &p * &q;
        assert_eq!(n.bits(), 2048);
        let (a, b) = fermat_factor(&n, FERMAT_ROUNDS).expect("close primes are found");
        assert_eq!((a, b), (p.clone(), q));
        let issues = check_rsa_key(&n, &e65537(), "/k");
        assert_eq!(codes(&issues), ["key_weak"]);
        assert!(issues[0].message_en.contains("Fermat"));
        // a perfect square too
        assert!(fermat_factor(&(&p * &p), 1).is_some());
    }

    #[test]
    fn small_factor_is_flagged() {
        let n = corpus_moduli()[0].clone();
        // replace n by a 2048-bit multiple of 7
        let n7 = (&n / 7u32) * 7u32;
        assert_eq!(n7.bits(), 2048);
        let n7 = if n7.is_even() { n7 - 7u32 } else { n7 };
        assert_eq!(small_prime_factor(&n7), Some(7));
        let issues = check_rsa_key(&n7, &e65537(), "/k");
        assert_eq!(codes(&issues), ["key_weak"]);
        assert!(issues[0].message_en.contains("small prime factor (7)"));
        // the largest prime of the bound, and an even modulus
        let big = BigUint::from(16_381u32) * random_prime(2034);
        assert_eq!(small_prime_factor(&big), Some(16_381));
        assert_eq!(small_prime_factor(&(n.clone() + 1u32)), Some(2));
    }

    #[test]
    fn exponents() {
        let n = corpus_moduli()[0].clone();
        for bad in [3u64, 17, 65535, 65538, 1, 0] {
            let issues = check_rsa_key(&n, &BigUint::from(bad), "/k");
            assert_eq!(codes(&issues), ["key_exponent"], "{bad}");
        }
        assert!(check_rsa_key(&n, &BigUint::from(65537u32), "/k").is_empty());
        assert!(check_rsa_key(&n, &BigUint::from(65539u32), "/k").is_empty());
        let huge = (BigUint::one() << 32u32) + 1u32;
        assert_eq!(codes(&check_rsa_key(&n, &huge, "/k")), ["key_exponent"]);
        let issues = check_rsa_key(&n, &BigUint::from(3u32), "/k");
        assert!(issues[0].message_en.contains("(3)"));
    }

    #[test]
    fn sizes() {
        let e = e65537();
        let n2047 = random_prime(1023) * random_prime(1024);
        assert_eq!(n2047.bits(), 2047);
        assert_eq!(
            codes(&check_rsa_key(&n2047, &e, "/k")),
            ["key_too_small", "key_size_not_multiple_of_8"]
        );
        let n2056 = random_prime(1028) * random_prime(1028);
        assert_eq!(n2056.bits(), 2056);
        assert!(check_rsa_key(&n2056, &e, "/k").is_empty());
        let n2052 = random_prime(1026) * random_prime(1026);
        assert_eq!(
            codes(&check_rsa_key(&n2052, &e, "/k")),
            ["key_size_not_multiple_of_8"]
        );
        let n1024 = corpus_moduli()[3].clone();
        assert_eq!(codes(&check_rsa_key(&n1024, &e, "/k")), ["key_too_small"]);
        let n8200 = BigUint::one() << 8199u32 | BigUint::one();
        assert_eq!(codes(&check_rsa_key(&n8200, &e, "/k")), ["key_too_large"]);
    }

    #[test]
    fn packing_covers_every_prime_once() {
        let primes = odd_primes_below(SMALL_PRIME_BOUND);
        assert_eq!(primes.len(), 1899);
        assert_eq!(primes[..5], [3, 5, 7, 11, 13]);
        let packed: Vec<u32> = SMALL_PRIMES
            .groups
            .iter()
            .flat_map(|(prod, m)| {
                assert_eq!(*prod, m.iter().map(|&p| u64::from(p)).product::<u64>());
                m.clone()
            })
            .collect();
        assert_eq!(packed, primes);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn trial_division_agrees_with_bigint(limbs in proptest::collection::vec(proptest::prelude::any::<u64>(), 1..40)) {
            let n = BigUint::from_slice(&limbs.iter().flat_map(|l| [*l as u32, (*l >> 32) as u32]).collect::<Vec<_>>());
            let expected = if n.is_zero() { None } else {
                std::iter::once(2).chain(odd_primes_below(SMALL_PRIME_BOUND)).find(|&p| (&n % p).is_zero())
            };
            proptest::prop_assert_eq!(small_prime_factor(&n), expected);
        }
    }
}
