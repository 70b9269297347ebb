//! Every stable error code the service emits, in one closed enum, each with the sentence
//! (French and English) the contract's code table shows beside it.
//!
//! `code` and `errors[].code` of a problem can only be one of these: a validator cannot emit
//! a code the contract does not list, and the table in the contract (and the `ProblemCode`
//! schema) is built by iterating this enum. A new rule adds its variant here.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! codes {
    ($( $(#[$meta:meta])* $variant:ident = $code:literal { fr: $fr:expr, en: $en:expr $(,)? }, )*) => {
        /// A stable, documented error code (see the module's doc).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, strum::EnumIter, strum::EnumCount)]
        pub enum Code {
            $( $(#[$meta])* $variant, )*
        }

        impl Code {
            /// The code as sent: snake_case, stable.
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// What the code means, in French (the contract's table).
            pub const fn fr(self) -> &'static str {
                match self { $( Code::$variant => $fr, )* }
            }

            /// What the code means, in English (the contract's table).
            pub const fn en(self) -> &'static str {
                match self { $( Code::$variant => $en, )* }
            }

            /// The code sent as `s`, if there is one.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $( $code => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

impl Code {
    /// Every code, in the contract's order (grouped by the part of the service that emits it).
    pub fn all() -> impl Iterator<Item = Code> {
        <Code as strum::IntoEnumIterator>::iter()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Code::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown error code {s:?}")))
    }
}

codes! {
    // The HTTP layer: request shape, authentication, concurrency
    ValidationFailed = "validation_failed" {
        fr: "Un ou plusieurs champs ne respectent pas les règles (voir errors[]).",
        en: "One or more fields break the rules (see errors[]).",
    },
    OrderIncomplete = "order_incomplete" {
        fr: "« Commander » refusé : étapes manquantes ou invalides (voir errors[]).",
        en: "\"Commander\" refused: missing or invalid steps (see errors[]).",
    },
    UnknownField = "unknown_field" {
        fr: "Champ inconnu.",
        en: "Unknown field.",
    },
    Required = "required" {
        fr: "Champ obligatoire absent.",
        en: "Required field missing.",
    },
    InvalidType = "invalid_type" {
        fr: "Valeur d'un type inattendu.",
        en: "Value of an unexpected type.",
    },
    InvalidCharacter = "invalid_character" {
        fr: "Caractère refusé (NUL) dans une valeur.",
        en: "Refused character (NUL) in a value.",
    },
    MalformedBody = "malformed_body" {
        fr: "Corps de requête qui n'est pas du JSON valide.",
        en: "Request body is not valid JSON.",
    },
    InvalidQuery = "invalid_query" {
        fr: "Paramètres de requête invalides.",
        en: "Invalid query parameters.",
    },
    UnsupportedMediaType = "unsupported_media_type" {
        fr: "Le corps doit être du JSON.",
        en: "The body must be JSON.",
    },
    PayloadTooLarge = "payload_too_large" {
        fr: "Corps de requête trop volumineux.",
        en: "Request body too large.",
    },
    InvalidCredentials = "invalid_credentials" {
        fr: "Identifiant ou mot de passe incorrect.",
        en: "Wrong username or password.",
    },
    TooManySignInFailures = "too_many_sign_in_failures" {
        fr: "Trop d'échecs de connexion : réessayez après Retry-After.",
        en: "Too many sign-in failures: retry after Retry-After.",
    },
    RateLimited = "rate_limited" {
        fr: "Trop de requêtes sur cette opération coûteuse : réessayez après Retry-After (voir RateLimit).",
        en: "Too many requests for this expensive operation: retry after Retry-After (see RateLimit).",
    },
    TokenMissing = "token_missing" {
        fr: "Jeton absent.",
        en: "Token missing.",
    },
    TokenMalformed = "token_malformed" {
        fr: "Jeton illisible.",
        en: "Malformed token.",
    },
    TokenExpired = "token_expired" {
        fr: "Jeton expiré.",
        en: "Token expired.",
    },
    TokenInvalid = "token_invalid" {
        fr: "Jeton invalide (signature, algorithme, émetteur, audience, kid, nbf).",
        en: "Invalid token (signature, algorithm, issuer, audience, kid, nbf).",
    },
    InvalidClient = "invalid_client" {
        fr: "Client d'API inconnu, secret incorrect ou client révoqué.",
        en: "Unknown API client, wrong secret or revoked client.",
    },
    UnsupportedGrantType = "unsupported_grant_type" {
        fr: "grant_type inconnu : password, client_credentials ou refresh_token.",
        en: "Unknown grant_type: password, client_credentials or refresh_token.",
    },
    RefreshTokenInvalid = "refresh_token_invalid" {
        fr: "Jeton de rafraîchissement inconnu, expiré ou révoqué : reconnectez-vous.",
        en: "Unknown, expired or revoked refresh token: sign in again.",
    },
    RefreshTokenReused = "refresh_token_reused" {
        fr: "Jeton de rafraîchissement déjà utilisé : toute la session est révoquée, reconnectez-vous.",
        en: "Refresh token already used: the whole session is revoked, sign in again.",
    },
    ScopeUnknown = "scope_unknown" {
        fr: "Portée inconnue : orders:read, orders:write, documents:write, webhooks:manage ou events:read.",
        en: "Unknown scope: orders:read, orders:write, documents:write, webhooks:manage or events:read.",
    },
    ScopeNotGranted = "scope_not_granted" {
        fr: "Portée au-delà des droits du compte ou du client d'API.",
        en: "Scope beyond the rights of the account or of the API client.",
    },
    InsufficientScope = "insufficient_scope" {
        fr: "Le jeton de ce client d'API n'a pas la portée que demande cette opération.",
        en: "This API client's token lacks the scope this operation needs.",
    },
    SignInRequired = "sign_in_required" {
        fr: "Opération réservée aux personnes connectées (mot de passe), pas aux clients d'API.",
        en: "Operation reserved to people signed in (password), not to API clients.",
    },
    ReadOnly = "read_only" {
        fr: "Rôle en lecture seule pour cette commande.",
        en: "Read-only role for this order.",
    },
    SubscriberOnly = "subscriber_only" {
        fr: "Seul le titulaire de la commande (le client) accepte les CGU et le certificat, depuis son propre compte.",
        en: "Only the order's owner (the client) accepts the CGU and the certificate, from its own account.",
    },
    PartnerOnly = "partner_only" {
        fr: "Réservé aux comptes partenaires dotés d'un code partenaire.",
        en: "Reserved to partner accounts with a partner code.",
    },
    UsernameInvalid = "username_invalid" {
        fr: "Identifiant de 3 à 64 caractères : lettres, chiffres, « . », « _ », « - », « @ ».",
        en: "Username of 3 to 64 characters: letters, digits, \".\", \"_\", \"-\", \"@\".",
    },
    ClientNotLinked = "client_not_linked" {
        fr: "Ce compte n'est pas l'un de vos clients actifs (GET /clients).",
        en: "This account is not one of your active clients (GET /clients).",
    },
    NotFound = "not_found" {
        fr: "Ressource introuvable pour ce compte.",
        en: "No such resource for this account.",
    },
    OrderNotDraft = "order_not_draft" {
        fr: "La commande n'est plus un brouillon.",
        en: "The order is no longer a draft.",
    },
    OrderAlreadySubmitted = "order_already_submitted" {
        fr: "Commande déjà passée par une autre requête.",
        en: "Order already submitted by another request.",
    },
    OrderChanged = "order_changed" {
        fr: "Les noms ont changé pendant la génération.",
        en: "The names changed during generation.",
    },
    PreconditionFailed = "precondition_failed" {
        fr: "If-Match périmé.",
        en: "Stale If-Match.",
    },
    IdempotencyKeyReused = "idempotency_key_reused" {
        fr: "Idempotency-Key déjà utilisée pour une autre requête.",
        en: "Idempotency-Key already used for another request.",
    },
    IdempotencyKeyInvalid = "idempotency_key_invalid" {
        fr: "Idempotency-Key invalide.",
        en: "Invalid Idempotency-Key.",
    },
    OrderNotSubmitted = "order_not_submitted" {
        fr: "La commande n'est pas encore passée (le formulaire PDF vient après « Commander »).",
        en: "The order is not submitted yet (the PDF form comes after \"Commander\").",
    },
    // Domain control validation (SPEC §9): the diagnoses of a check and the bad requests
    DcvNameNotFound = "dcv_name_not_found" {
        fr: "Le nom n'existe pas dans le DNS (NXDOMAIN) : vérifiez l'orthographe et la délégation de la zone.",
        en: "The name does not exist in the DNS (NXDOMAIN): check its spelling and the zone's delegation.",
    },
    DcvNoTxtRecord = "dcv_no_txt_record" {
        fr: "Aucun enregistrement TXT n'a été trouvé à l'étiquette attendue.",
        en: "No TXT record was found at the expected label.",
    },
    DcvOtherTxtValues = "dcv_other_txt_values" {
        fr: "Des enregistrements TXT existent à l'étiquette attendue, mais aucun ne porte la valeur demandée (valeurs vues dans seen).",
        en: "TXT records exist at the expected label, but none carries the value asked for (the values seen are in seen).",
    },
    DcvWrongLabel = "dcv_wrong_label" {
        fr: "La valeur a été trouvée, mais sur le nom lui-même et non à l'étiquette _certorder-challenge.<nom>.",
        en: "The value was found, but on the name itself rather than at the label _certorder-challenge.<name>.",
    },
    DcvHttpStatus = "dcv_http_status" {
        fr: "Le serveur web a répondu avec un statut HTTP autre que 200 (statut dans seen).",
        en: "The web server answered with an HTTP status other than 200 (the status is in seen).",
    },
    DcvRedirectedElsewhere = "dcv_redirected_elsewhere" {
        fr: "Le fichier redirige vers un autre hôte : seules les redirections vers le même nom sont suivies.",
        en: "The file redirects to another host: only redirects to the same name are followed.",
    },
    DcvContentDiffers = "dcv_content_differs" {
        fr: "Le fichier a été trouvé mais son contenu n'est pas la valeur demandée (premiers octets dans seen).",
        en: "The file was found but its content is not the value asked for (its first bytes are in seen).",
    },
    DcvTimeout = "dcv_timeout" {
        fr: "Le serveur DNS ou web n'a pas répondu à temps.",
        en: "The DNS or web server did not answer in time.",
    },
    DcvDnsServerFailure = "dcv_dns_server_failure" {
        fr: "Le serveur DNS a répondu par une erreur (SERVFAIL, REFUSED…) : la zone est peut-être mal servie.",
        en: "The DNS server answered with an error (SERVFAIL, REFUSED…): the zone may be badly served.",
    },
    DcvConnectionFailed = "dcv_connection_failed" {
        fr: "La connexion au serveur web a échoué (refusée, réinitialisée, réponse trop longue ou illisible).",
        en: "The connection to the web server failed (refused, reset, answer too long or unreadable).",
    },
    DcvPrivateTarget = "dcv_private_target" {
        fr: "Le nom pointe vers une adresse privée ou de bouclage : elle n'est pas contactée.",
        en: "The name points to a private or loopback address: it is not contacted.",
    },
    DcvTokenExpired = "dcv_token_expired" {
        fr: "Le jeton avait expiré : un nouveau a été émis, publiez la nouvelle valeur.",
        en: "The token had expired: a new one was issued, publish the new value.",
    },
    DcvUnknownDomain = "dcv_unknown_domain" {
        fr: "Ce nom ne fait pas partie de la commande.",
        en: "This name is not one of the order's.",
    },
    DcvUnknownMethod = "dcv_unknown_method" {
        fr: "Méthode inconnue : dns-txt ou http-file.",
        en: "Unknown method: dns-txt or http-file.",
    },
    DcvHttpFileForWildcard = "dcv_http_file_for_wildcard" {
        fr: "Un nom générique (*.) ne peut être validé que par DNS (BR 3.2.2.4.18).",
        en: "A wildcard name can only be validated by DNS (BR 3.2.2.4.18).",
    },
    DcvNotSubmitted = "dcv_not_submitted" {
        fr: "Le contrôle des domaines n'est ouvert qu'aux commandes passées et non encore validées.",
        en: "Domain control is open only for submitted orders not yet approved.",
    },

    // The life after "Commander"
    TransitionNotAllowed = "transition_not_allowed" {
        fr: "Le statut de la commande ne permet pas cette action (voir next_action).",
        en: "The order's status does not allow this action (see next_action).",
    },
    OperatorOnly = "operator_only" {
        fr: "Action réservée aux opérateurs de l'autorité.",
        en: "Action reserved to the authority's operators.",
    },
    RequirementsUnmet = "requirements_unmet" {
        fr: "Des exigences de la commande ne sont pas remplies (justificatifs, paiement, contrôle des domaines).",
        en: "Requirements of the order are not met (documents, payment, domain control).",
    },
    PaymentAlreadyRecorded = "payment_already_recorded" {
        fr: "Le paiement de cette commande est déjà enregistré.",
        en: "This order's payment is already recorded.",
    },
    RevocationAlreadyRequested = "revocation_already_requested" {
        fr: "La révocation de ce certificat est déjà demandée.",
        en: "This certificate's revocation was already requested.",
    },
    NoRevocationRequested = "no_revocation_requested" {
        fr: "Aucune révocation n'a été demandée pour ce certificat.",
        en: "No revocation was requested for this certificate.",
    },
    RenewalNotPlanned = "renewal_not_planned" {
        fr: "L'abonnement ne comprend plus de certificat à émettre : le certificat actuel est le dernier.",
        en: "The subscription holds no further certificate: the current one is its last.",
    },
    RenewalNotOpen = "renewal_not_open" {
        fr: "La fenêtre de renouvellement n'est pas encore ouverte (voir renewal.window_opens_at).",
        en: "The renewal window is not open yet (see renewal.window_opens_at).",
    },
    RenewalNamesDiffer = "renewal_names_differ" {
        fr: "Le CSR de renouvellement doit porter exactement les noms de la commande.",
        en: "The renewal CSR must carry exactly the order's names.",
    },
    AcceptanceDeadlinePassed = "acceptance_deadline_passed" {
        fr: "Le délai d'acceptation du certificat est dépassé.",
        en: "The certificate's acceptance deadline has passed.",
    },
    RevocationReasonNotAllowed = "revocation_reason_not_allowed" {
        fr: "Ce motif de révocation est réservé à l'autorité.",
        en: "This revocation reason is reserved to the authority.",
    },
    NoCertificate = "no_certificate" {
        fr: "La commande n'a pas encore de certificat.",
        en: "The order has no certificate yet.",
    },
    NotAcceptable = "not_acceptable" {
        fr: "Aucun des formats demandés (Accept ou format) n'est disponible.",
        en: "None of the formats asked for (Accept or format) is available.",
    },
    MethodNotAllowed = "method_not_allowed" {
        fr: "Méthode HTTP non acceptée à cette adresse (voir l'en-tête Allow).",
        en: "HTTP method not accepted at this address (see the Allow header).",
    },
    InternalError = "internal_error" {
        fr: "Erreur interne (journalisée).",
        en: "Internal error (logged).",
    },
    ServiceUnavailable = "service_unavailable" {
        fr: "Service momentanément indisponible (Retry-After).",
        en: "Service temporarily unavailable (Retry-After).",
    },
    // The wizard and "commander"
    StepMissing = "step_missing" {
        fr: "Étape non renseignée.",
        en: "Step not answered.",
    },
    PartnerFixed = "partner_fixed" {
        fr: "Le code partenaire d'une commande de partenaire ne change pas.",
        en: "A partner's order keeps its partner code.",
    },
    PartnerCodeInvalid = "partner_code_invalid" {
        fr: "Code partenaire vide ou trop long.",
        en: "Partner code empty or too long.",
    },
    CsrNotExpected = "csr_not_expected" {
        fr: "Cas 2 : la CSR est générée par le service, pas collée.",
        en: "Case 2: the CSR is generated by the service, not pasted.",
    },
    FqdnNotExpected = "fqdn_not_expected" {
        fr: "Cas 1 : les noms sont lus dans la CSR.",
        en: "Case 1: the names are read from the CSR.",
    },
    GenerationMethodNotGenerate = "generation_method_not_generate" {
        fr: "La génération de CSR demande generation_method « generate ».",
        en: "CSR generation needs generation_method \"generate\".",
    },
    CsrStale = "csr_stale" {
        fr: "Cas 2 : la CSR générée ne correspond plus à la commande (noms ou titulaire changés) : générez-la de nouveau.",
        en: "Case 2: the generated CSR no longer fits the order (names or holder changed): generate it again.",
    },
    DurationNotAllowed = "duration_not_allowed" {
        fr: "Durée non proposée par l'autorité.",
        en: "Duration not offered by the authority.",
    },
    PaymentMethodNotAllowed = "payment_method_not_allowed" {
        fr: "Moyen de paiement non accepté par l'autorité.",
        en: "Payment method not accepted by the authority.",
    },
    CertificateManagerRequired = "certificate_manager_required" {
        fr: "SSL RGS* : responsable du certificat obligatoire.",
        en: "SSL RGS*: a certificate manager is required.",
    },
    // The catalogue: products, durations, terms
    AuthorityUnknown = "authority_unknown" {
        fr: "Cette autorité n'existe pas dans le catalogue.",
        en: "This authority is not in the catalogue.",
    },
    TermsNotCurrent = "terms_not_current" {
        fr: "La version des CGU acceptée n'est pas la version en vigueur.",
        en: "The accepted terms version is not the current one.",
    },
    // Domain names (CA/B Forum BR 3.2.2.4, RFC 5890)
    DomainEmpty = "domain_empty" {
        fr: "Le nom de domaine est vide.",
        en: "The domain name is empty.",
    },
    DomainIpAddress = "domain_ip_address" {
        fr: "Une adresse IP n'est pas acceptée : saisissez un nom de domaine.",
        en: "An IP address is not accepted: enter a domain name.",
    },
    DomainIdnaInvalid = "domain_idna_invalid" {
        fr: "Le nom de domaine internationalisé ne peut pas être converti (IDNA UTS 46).",
        en: "The internationalized domain name cannot be converted (IDNA UTS 46).",
    },
    DomainTooLong = "domain_too_long" {
        fr: "Le nom de domaine dépasse 253 caractères.",
        en: "The domain name is longer than 253 characters.",
    },
    DomainLabelEmpty = "domain_label_empty" {
        fr: "Le nom de domaine contient un label vide (deux points consécutifs ou un point au début).",
        en: "The domain name has an empty label (two consecutive dots or a leading dot).",
    },
    DomainLabelTooLong = "domain_label_too_long" {
        fr: "Un label du nom de domaine dépasse 63 caractères.",
        en: "A label of the domain name is longer than 63 characters.",
    },
    DomainLabelInvalidChar = "domain_label_invalid_char" {
        fr: "Un label contient un caractère interdit (seuls a-z, 0-9 et le tiret sont permis).",
        en: "A label has a forbidden character (only a-z, 0-9 and the hyphen are allowed).",
    },
    DomainLabelHyphenEdge = "domain_label_hyphen_edge" {
        fr: "Un label commence ou finit par un tiret.",
        en: "A label starts or ends with a hyphen.",
    },
    DomainLabelDoubleHyphen = "domain_label_double_hyphen" {
        fr: "Un label a « -- » en 3e et 4e positions sans être un label « xn-- ».",
        en: "A label has \"--\" in 3rd and 4th positions without being an \"xn--\" label.",
    },
    DomainLabelInvalidAlabel = "domain_label_invalid_alabel" {
        fr: "Un label « xn-- » n'est pas un A-label valide (Punycode/IDNA).",
        en: "An \"xn--\" label is not a valid A-label (Punycode/IDNA).",
    },
    DomainReserved = "domain_reserved" {
        fr: "Le nom est réservé ou interne (localhost, .local, .internal, .test, .example, .invalid, .onion, .arpa…).",
        en: "The name is reserved or internal (localhost, .local, .internal, .test, .example, .invalid, .onion, .arpa…).",
    },
    DomainUnknownTld = "domain_unknown_tld" {
        fr: "L'extension (TLD) n'existe pas dans la Public Suffix List.",
        en: "The top-level domain is not in the Public Suffix List.",
    },
    FqdnIncomplete = "fqdn_incomplete" {
        fr: "Vous devez saisir un FQDN complet (« sousdomaine.domaine.tld », par exemple www.certigna.fr)",
        en: "Enter a complete FQDN (\"subdomain.domain.tld\", for example www.certigna.fr)",
    },
    WildcardPosition = "wildcard_position" {
        fr: "Le caractère générique « * » n'est permis que comme label entier le plus à gauche.",
        en: "The wildcard \"*\" is only allowed as the whole leftmost label.",
    },
    WildcardOnPublicSuffix = "wildcard_on_public_suffix" {
        fr: "Un certificat générique ne peut pas porter directement sur un suffixe public.",
        en: "A wildcard cannot be placed directly on a public suffix.",
    },
    WildcardNotAllowed = "wildcard_not_allowed" {
        fr: "Les noms génériques (*.) ne sont pas permis pour ce produit.",
        en: "Wildcard names (*.) are not allowed for this product.",
    },
    DomainOutsideRegistrable = "domain_outside_registrable" {
        fr: "Le sous-domaine supplémentaire n'appartient pas au même domaine que le FQDN principal.",
        en: "The additional subdomain does not belong to the same domain as the primary FQDN.",
    },
    TooManyDomains = "too_many_domains" {
        fr: "Le nombre de domaines supplémentaires dépasse la limite de l'autorité.",
        en: "The number of additional domains exceeds the authority's limit.",
    },
    // CSRs and their keys
    CsrEmpty = "csr_empty" {
        fr: "Le CSR est vide.",
        en: "The CSR is empty.",
    },
    CsrNotPem = "csr_not_pem" {
        fr: "Le texte n'est pas un CSR au format PEM (fichier binaire DER, base64 sans lignes BEGIN/END, ou autre texte).",
        en: "The text is not a PEM CSR (binary DER file, base64 without BEGIN/END lines, or other text).",
    },
    CsrIsCertificate = "csr_is_certificate" {
        fr: "Le texte est un certificat, pas une demande de certificat (CSR).",
        en: "The text is a certificate, not a certificate signing request (CSR).",
    },
    CsrIsPrivateKey = "csr_is_private_key" {
        fr: "Le texte contient une clé privée : ne l'envoyez jamais ; seul le CSR est attendu.",
        en: "The text contains a private key: never send it; only the CSR is expected.",
    },
    CsrIsPublicKey = "csr_is_public_key" {
        fr: "Le texte est une clé publique, pas un CSR.",
        en: "The text is a public key, not a CSR.",
    },
    CsrTruncated = "csr_truncated" {
        fr: "Le CSR est incomplet (ligne END manquante ou contenu base64 abîmé).",
        en: "The CSR is incomplete (missing END line or damaged base64 content).",
    },
    CsrMalformed = "csr_malformed" {
        fr: "Le bloc PEM n'est pas une demande PKCS#10 lisible.",
        en: "The PEM block is not a readable PKCS#10 request.",
    },
    CsrMultiple = "csr_multiple" {
        fr: "Le texte contient plusieurs CSR ; un seul est attendu.",
        en: "The text holds several CSRs; exactly one is expected.",
    },
    CsrBadSignature = "csr_bad_signature" {
        fr: "La signature du CSR ne correspond pas à son contenu et à sa clé publique.",
        en: "The CSR's signature does not match its content and public key.",
    },
    CsrSignatureAlgorithm = "csr_signature_algorithm" {
        fr: "Algorithme de signature du CSR refusé (attendu : SHA-256/384/512 avec RSA, ou ECDSA avec SHA-256/384).",
        en: "CSR signature algorithm refused (expected: SHA-256/384/512 with RSA, or ECDSA with SHA-256/384).",
    },
    CsrCnTooLong = "csr_cn_too_long" {
        fr: "Le nom commun (CN) dépasse 64 caractères.",
        en: "The common name (CN) is longer than 64 characters.",
    },
    CsrSanEmail = "csr_san_email" {
        fr: "Le CSR contient une adresse e-mail en nom alternatif ; seuls des noms de domaine sont acceptés.",
        en: "The CSR holds an e-mail address as alternative name; only domain names are accepted.",
    },
    CsrSanUri = "csr_san_uri" {
        fr: "Le CSR contient une URI en nom alternatif ; seuls des noms de domaine sont acceptés.",
        en: "The CSR holds a URI as alternative name; only domain names are accepted.",
    },
    CsrSanUnsupported = "csr_san_unsupported" {
        fr: "Le CSR contient un nom alternatif d'un type non pris en charge ; seuls des noms de domaine sont acceptés.",
        en: "The CSR holds an alternative name of an unsupported kind; only domain names are accepted.",
    },
    CsrTooManyNames = "csr_too_many_names" {
        fr: "Le CSR porte plus de 100 noms de domaine.",
        en: "The CSR carries more than 100 domain names.",
    },
    CsrNoNames = "csr_no_names" {
        fr: "Le CSR ne contient aucun nom de domaine (ni CN, ni SAN dNSName).",
        en: "The CSR holds no domain name (neither CN nor SAN dNSName).",
    },
    KeyTooSmall = "key_too_small" {
        fr: "Clé RSA trop courte (minimum 2048 bits).",
        en: "RSA key too short (2048 bits at least).",
    },
    KeyTooLarge = "key_too_large" {
        fr: "Clé RSA trop longue (maximum 8192 bits).",
        en: "RSA key too long (8192 bits at most).",
    },
    KeySizeNotMultipleOf8 = "key_size_not_multiple_of_8" {
        fr: "La taille du module RSA n'est pas un multiple de 8.",
        en: "The RSA modulus size is not a multiple of 8.",
    },
    KeyExponent = "key_exponent" {
        fr: "Exposant public RSA refusé (impair, au moins 65537, inférieur à 2^32).",
        en: "RSA public exponent refused (odd, at least 65537, below 2^32).",
    },
    KeyWeak = "key_weak" {
        fr: "Clé RSA faible (petit facteur premier, facteurs trop proches ou empreinte ROCA).",
        en: "Weak RSA key (small prime factor, factors too close or ROCA fingerprint).",
    },
    KeyCurve = "key_curve" {
        fr: "Courbe elliptique refusée (seules P-256 et P-384 sont acceptées).",
        en: "Elliptic curve refused (only P-256 and P-384 are accepted).",
    },
    KeyAlgorithm = "key_algorithm" {
        fr: "Type de clé refusé (seules RSA et ECDSA sont acceptées).",
        en: "Key type refused (only RSA and ECDSA are accepted).",
    },
    KeygenNoNames = "keygen_no_names" {
        fr: "Aucun nom de domaine pour générer le CSR.",
        en: "No domain name to generate the CSR for.",
    },
    KeygenSubject = "keygen_subject" {
        fr: "Champ du sujet invalide (vide, trop long, ou pays qui n'est pas un code ISO à 2 lettres).",
        en: "Invalid subject field (empty, too long, or a country that is not a 2-letter ISO code).",
    },
    KeygenPassphrase = "keygen_passphrase" {
        fr: "Phrase de passe refusée (au moins 8 caractères).",
        en: "Passphrase refused (8 characters at least).",
    },
    KeygenFailed = "keygen_failed" {
        fr: "La génération de la clé ou du CSR a échoué.",
        en: "Generating the key or the CSR failed.",
    },
    // Certificates an operator uploads (manual issuance): `domain::pki::chain`
    CertificateUnparsable = "certificate_unparsable" {
        fr: "La chaîne n'est pas une suite de certificats PEM lisibles (« -----BEGIN CERTIFICATE----- »), le certificat du serveur en premier.",
        en: "The chain is not a sequence of readable PEM certificates (\"-----BEGIN CERTIFICATE-----\"), the server's certificate first.",
    },
    CertificatePrivateKeyIncluded = "certificate_private_key_included" {
        fr: "La chaîne contient une clé privée : envoyez seulement les certificats.",
        en: "The chain contains a private key: send the certificates only.",
    },
    CertificatePastPlanEnd = "certificate_past_plan_end" {
        fr: "Le certificat est valide au-delà de la fin de l'abonnement.",
        en: "The certificate is valid past the subscription's end.",
    },
    CertificateKeyMismatch = "certificate_key_mismatch" {
        fr: "La clé publique du certificat n'est pas celle du CSR de la commande.",
        en: "The certificate's public key is not the one of the order's CSR.",
    },
    CertificateNamesMismatch = "certificate_names_mismatch" {
        fr: "Les noms (SAN) du certificat ne sont pas exactement ceux de la commande.",
        en: "The certificate's names (SAN) are not exactly the order's.",
    },
    CertificateEkuMissing = "certificate_eku_missing" {
        fr: "Le certificat n'a pas l'usage étendu « authentification de serveur » (serverAuth).",
        en: "The certificate lacks the serverAuth extended key usage.",
    },
    CertificateValidityTooLong = "certificate_validity_too_long" {
        fr: "La validité du certificat dépasse le maximum des Baseline Requirements pour sa date de début.",
        en: "The certificate's validity exceeds the Baseline Requirements' maximum for its start date.",
    },
    CertificateExpired = "certificate_expired" {
        fr: "Un certificat de la chaîne est expiré.",
        en: "A certificate of the chain has expired.",
    },
    ChainBroken = "chain_broken" {
        fr: "Un certificat de la chaîne n'est pas signé par le suivant (ordre attendu : serveur, puis chaque autorité).",
        en: "A certificate of the chain is not signed by the next one (expected order: server, then each authority).",
    },
    ChainUntrusted = "chain_untrusted" {
        fr: "La chaîne ne remonte à aucune autorité racine de confiance configurée.",
        en: "The chain does not lead to any configured trusted root authority.",
    },
    // The holder and contacts
    TooLong = "too_long" {
        fr: "Ce texte dépasse la longueur maximale (raison sociale : 64 caractères).",
        en: "This text is over the maximum length (legal name: 64 characters).",
    },
    NotPrintable = "not_printable" {
        fr: "Le texte contient des caractères de contrôle.",
        en: "The text contains control characters.",
    },
    CountryInvalid = "country_invalid" {
        fr: "Le pays doit être un code ISO 3166-1 alpha-2 (ex. FR).",
        en: "The country must be an ISO 3166-1 alpha-2 code (e.g. FR).",
    },
    SirenRequired = "siren_required" {
        fr: "Un titulaire français doit donner son SIREN (9 chiffres) ou son SIRET (14 chiffres).",
        en: "A French holder must give its SIREN (9 digits) or SIRET (14 digits).",
    },
    SirenInvalid = "siren_invalid" {
        fr: "Le SIREN doit comporter 9 chiffres et respecter la clé de Luhn.",
        en: "The SIREN must have 9 digits and pass the Luhn check.",
    },
    SiretInvalid = "siret_invalid" {
        fr: "Le SIRET doit comporter 14 chiffres et respecter la clé de Luhn (La Poste : somme des chiffres multiple de 5).",
        en: "The SIRET must have 14 digits and pass the Luhn check (La Poste: digit sum a multiple of 5).",
    },
    VatInvalid = "vat_invalid" {
        fr: "Le numéro de TVA intracommunautaire est mal formé ou sa clé est fausse.",
        en: "The EU VAT number is malformed or its check key is wrong.",
    },
    VatSirenMismatch = "vat_siren_mismatch" {
        fr: "Le numéro de TVA ne correspond pas au SIREN du titulaire.",
        en: "The VAT number does not match the holder's SIREN.",
    },
    EmailInvalid = "email_invalid" {
        fr: "L'adresse e-mail est invalide (forme attendue : nom@domaine.fr).",
        en: "The e-mail address is invalid (expected form: name@domain.com).",
    },
    PhoneInvalid = "phone_invalid" {
        fr: "Le numéro de téléphone doit être au format international (+33…) ou national français (0X XX XX XX XX).",
        en: "The phone number must be in international (+33…) or French national (0X XX XX XX XX) format.",
    },
    // Justificatifs after "Commander": uploads and their review
    FileMissing = "file_missing" {
        fr: "Le formulaire multipart doit contenir une partie « file » avec le fichier.",
        en: "The multipart form must carry a \"file\" part with the file.",
    },
    FileMultiple = "file_multiple" {
        fr: "Un seul fichier par envoi : le formulaire contient plusieurs parties « file ».",
        en: "One file per upload: the form carries several \"file\" parts.",
    },
    FileEmpty = "file_empty" {
        fr: "Le fichier est vide.",
        en: "The file is empty.",
    },
    FileTooLarge = "file_too_large" {
        fr: "Le fichier dépasse la taille maximale autorisée (UPLOAD_MAX_BYTES, 10 Mio par défaut).",
        en: "The file exceeds the largest size allowed (UPLOAD_MAX_BYTES, 10 MiB by default).",
    },
    FileTypeNotAllowed = "file_type_not_allowed" {
        fr: "Seuls les fichiers PDF, JPEG et PNG sont acceptés (type reconnu d'après le contenu).",
        en: "Only PDF, JPEG and PNG files are accepted (type recognized from the content).",
    },
    FileTypeMismatch = "file_type_mismatch" {
        fr: "Le type du fichier, reconnu d'après son contenu, ne correspond pas à son type déclaré ou à l'extension de son nom.",
        en: "The file's type, recognized from its content, does not match its declared type or its name's extension.",
    },
    UploadTooSlow = "upload_too_slow" {
        fr: "Le fichier n'est pas arrivé dans le délai accordé (UPLOAD_TIMEOUT_SECONDS) : renvoyez-le.",
        en: "The file did not arrive within the time allowed (UPLOAD_TIMEOUT_SECONDS): send it again.",
    },
    DocumentUnknown = "document_unknown" {
        fr: "La commande ne demande pas de justificatif avec ce code.",
        en: "The order asks for no supporting document with this code.",
    },
    DocumentAccepted = "document_accepted" {
        fr: "Ce justificatif a déjà été accepté : il ne prend plus de fichier.",
        en: "This supporting document was already accepted: it takes no more files.",
    },
    DocumentUnderReview = "document_under_review" {
        fr: "Un fichier de ce justificatif attend l'examen d'un opérateur : un nouvel envoi n'est possible qu'après un refus.",
        en: "A file of this supporting document awaits an operator's review: a new upload is possible only after a rejection.",
    },
    DocumentNotUploaded = "document_not_uploaded" {
        fr: "Aucun fichier de ce justificatif n'attend d'examen.",
        en: "No file of this supporting document awaits review.",
    },
    ReviewReasonUnexpected = "review_reason_unexpected" {
        fr: "Un motif (reason) ne va qu'avec un refus.",
        en: "A reason goes with a rejection only.",
    },
    StorageUnavailable = "storage_unavailable" {
        fr: "Le stockage des fichiers est momentanément indisponible : réessayez plus tard.",
        en: "File storage is temporarily unavailable: retry later.",
    },
    // Payment
    PaymentMethodUnknown = "payment_method_unknown" {
        fr: "Ce moyen de paiement n'existe pas.",
        en: "This payment method does not exist.",
    },
    NotAllowedForMethod = "not_allowed_for_method" {
        fr: "Les références de bon de commande ne vont qu'avec le paiement par bon de commande.",
        en: "Purchase-order references only go with payment by purchase order.",
    },
    // Webhook endpoints
    WebhookUrlInvalid = "webhook_url_invalid" {
        fr: "Une URL absolue http(s) avec un nom d'hôte, sans identifiants, de 2000 caractères au plus.",
        en: "An absolute http(s) URL with a host name and no credentials, at most 2000 characters.",
    },
    WebhookUrlNotHttps = "webhook_url_not_https" {
        fr: "L'URL d'un webhook doit être en https (http n'est admis qu'en développement et en test).",
        en: "A webhook URL must use https (http is accepted in development and test only).",
    },
    WebhookUrlUnresolvable = "webhook_url_unresolvable" {
        fr: "Le nom d'hôte de l'URL ne se résout pas.",
        en: "The URL's host name does not resolve.",
    },
    WebhookUrlPrivate = "webhook_url_private" {
        fr: "Le nom pointe vers une adresse privée ou de bouclage : refusée (WEBHOOK_ALLOW_PRIVATE_TARGETS).",
        en: "The name points to a private or loopback address: refused (WEBHOOK_ALLOW_PRIVATE_TARGETS).",
    },
    WebhookEventTypeUnknown = "webhook_event_type_unknown" {
        fr: "Type d'événement inconnu (voir la liste de GET /events).",
        en: "Unknown event type (see the list of GET /events).",
    },
    WebhookRecoverRange = "webhook_recover_range" {
        fr: "La période à rattraper doit finir après son début (until > since).",
        en: "The range to recover must end after it starts (until > since).",
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_snake_case_unique_and_described_in_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::all() {
            let s = code.as_str();
            assert!(
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{s} is not snake_case"
            );
            assert!(seen.insert(s), "{s} listed twice");
            assert!(
                !code.fr().is_empty() && !code.en().is_empty(),
                "{s} lacks a message"
            );
            assert_eq!(Code::parse(s), Some(code));
        }
        assert_eq!(seen.len(), <Code as strum::EnumCount>::COUNT);
    }

    #[test]
    fn a_code_serializes_as_its_string_and_unknown_strings_are_refused() {
        assert_eq!(
            serde_json::to_string(&Code::FqdnIncomplete).unwrap(),
            "\"fqdn_incomplete\""
        );
        let back: Code = serde_json::from_str("\"csr_empty\"").unwrap();
        assert_eq!(back, Code::CsrEmpty);
        assert!(serde_json::from_str::<Code>("\"no_such_code\"").is_err());
    }
}
