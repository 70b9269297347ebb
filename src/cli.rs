//! Administration commands: create an account, seed the demo accounts, print the contract.

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Settings;
use crate::domain::account::password::{check_new_password, hash_password};
use crate::domain::account::{normalize_username, Organization, OrganizationKind, Role};
use crate::persistence::{self, accounts, Db};

#[derive(Parser)]
#[command(
    name = "certorder",
    version,
    about = "Order TLS server certificates through a REST API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Create or update an account. The password is read from CERTORDER_PASSWORD, never
    /// from the command line (it would show in the process list and shell history).
    CreateAccount(Box<CreateAccount>),
    /// Create (or reset) the demo customer and demo partner for local use, and print how to
    /// sign in.
    SeedDemo,
    /// Print the OpenAPI contract (JSON) on standard output.
    Openapi,
    /// Run the scheduled jobs that are due (sandbox issuance, acceptance deadlines) once, and
    /// exit. Safe beside running servers: each job is claimed once.
    RunJobs(RunJobs),
}

#[derive(clap::Args)]
pub struct RunJobs {
    /// Run as of this time (RFC 3339, e.g. 2027-01-15T09:00:00Z) instead of now: what is due
    /// then is done (for demos and tests of deadlines).
    #[arg(long)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

/// `certorder run-jobs`: runs every job due (as of `--now`), prints how many.
pub async fn run_jobs(args: RunJobs, settings: Settings) -> CliResult {
    let url = settings.database_url.clone();
    actix_web::rt::task::spawn_blocking(move || persistence::prepare_database(&url))
        .await?
        .map_err(|e| e.to_string())?;
    let db = Db::connect(&settings.database_url, 2)?;
    let mut app = crate::startup::build_app(db, &settings)?;
    if let Some(now) = args.now {
        app = app.at(now);
    }
    let n = crate::app::lifecycle::run_due(&app).await?;
    println!("{n} job(s) run");
    let d = crate::app::dcv::run_due(&app, None).await?;
    if d > 0 {
        println!("{d} domain(s) rechecked");
    }
    Ok(())
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Customer,
    Partner,
    Operator,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum KindArg {
    Company,
    PublicBody,
    Association,
}

#[derive(clap::Args)]
pub struct CreateAccount {
    #[arg(long)]
    pub username: String,
    #[arg(long, value_enum, default_value = "customer")]
    pub role: RoleArg,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub full_name: String,
    #[arg(long)]
    pub phone: Option<String>,
    /// Required for a partner: the code customers give at step 6.
    #[arg(long)]
    pub partner_code: Option<String>,
    #[arg(long)]
    pub organization: String,
    #[arg(long, value_enum, default_value = "company")]
    pub organization_kind: KindArg,
    /// SIREN or SIRET.
    #[arg(long)]
    pub registration_number: Option<String>,
    #[arg(long)]
    pub address: String,
    #[arg(long)]
    pub postal_code: Option<String>,
    #[arg(long)]
    pub city: String,
    #[arg(long, default_value = "FR")]
    pub country: String,
    /// The user is not the organization's legal representative (a mandate will be asked).
    #[arg(long)]
    pub not_legal_representative: bool,
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

pub fn run(command: Command, settings: &Settings) -> CliResult {
    match command {
        Command::Serve | Command::RunJobs(_) => unreachable!("handled by main"),
        Command::Openapi => {
            println!("{}", crate::http::openapi().to_pretty_json()?);
            Ok(())
        }
        Command::CreateAccount(args) => {
            let password = std::env::var("CERTORDER_PASSWORD")
                .map_err(|_| "set CERTORDER_PASSWORD to the new account's password")?;
            let db = connect(settings)?;
            create_account(&db, &args, &password)?;
            println!("account {} ready", args.username);
            Ok(())
        }
        Command::SeedDemo => seed_demo_command(settings),
    }
}

fn connect(settings: &Settings) -> Result<Db, Box<dyn std::error::Error>> {
    persistence::prepare_database(&settings.database_url).map_err(|e| e.to_string())?;
    Ok(Db::connect(&settings.database_url, 2)?)
}

pub fn create_account(db: &Db, args: &CreateAccount, password: &str) -> CliResult {
    let username = normalize_username(&args.username)
        .ok_or("a username is 3 to 64 characters: letters, digits, '.', '_', '-', '@'")?;
    check_new_password(password)?;
    let role = match args.role {
        RoleArg::Customer => Role::Customer,
        RoleArg::Partner => Role::Partner,
        RoleArg::Operator => Role::Operator,
    };
    if (role == Role::Partner) != args.partner_code.is_some() {
        return Err("--partner-code is required for a partner, and only for a partner".into());
    }
    let country = args.country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err("--country is an ISO 3166-1 alpha-2 code, e.g. FR".into());
    }
    let organization = Organization {
        legal_name: args.organization.clone(),
        kind: match args.organization_kind {
            KindArg::Company => OrganizationKind::Company,
            KindArg::PublicBody => OrganizationKind::PublicBody,
            KindArg::Association => OrganizationKind::Association,
        },
        registration_number: args.registration_number.clone(),
        address: args.address.clone(),
        postal_code: args.postal_code.clone(),
        city: args.city.clone(),
        country,
    };
    let hash = hash_password(password)?;
    let mut conn = db.get()?;
    accounts::upsert(
        &mut conn,
        &accounts::NewAccount {
            username: &username,
            password_hash: &hash,
            role,
            email: &args.email,
            full_name: &args.full_name,
            phone: args.phone.as_deref(),
            partner_code: args.partner_code.as_deref(),
            organization: &organization,
            legal_representative: !args.not_legal_representative,
        },
    )?;
    Ok(())
}

/// The demo accounts: for local use only (their passwords are in the README).
pub const DEMO_ACCOUNTS: [(&str, &str); 3] = [
    ("demo.client", "demo-client-password"),
    ("demo.partenaire", "demo-partner-password"),
    ("demo.operateur", "demo-operator-password"),
];

fn seed_demo_command(settings: &Settings) -> CliResult {
    let db = connect(settings)?;
    seed_demo_accounts(&db)?;
    println!("Demo accounts ready (for local use only):");
    for (user, password) in DEMO_ACCOUNTS {
        println!("  {user:<16} / {password}");
    }
    println!(
        "\nSign in:\n  curl -s -X POST {}/auth/token -H 'content-type: application/json' \\\n    -d '{{\"username\":\"demo.client\",\"password\":\"demo-client-password\"}}'\n\
         Then open {}/swagger-ui/, click Authorize and paste the access_token.",
        settings.public_base_url, settings.public_base_url
    );
    Ok(())
}

pub fn seed_demo_accounts(db: &Db) -> CliResult {
    seed_demo(db, false).map(|_| ())
}

/// Development start-up (`CERTORDER_ENV=development`, the default; never in `test` or
/// `production`): creates the demo accounts that are absent (an existing one is left as it
/// is) and logs how to sign in. Called by the binary before it serves.
pub fn prepare_development(settings: &Settings) -> CliResult {
    let environment = std::env::var("CERTORDER_ENV").unwrap_or_else(|_| "development".into());
    if environment != "development" {
        return Ok(());
    }
    let db = connect(settings)?;
    let created =
        crate::persistence::under_prepare_lock(&settings.database_url, || seed_demo(&db, true))??;
    if !created.is_empty() {
        tracing::info!(accounts = ?created, "development: demo accounts created");
    }
    tracing::info!(
        "development: sign in with POST {}/auth/token {{\"username\": \"demo.client\", \"password\": \"demo-client-password\"}} \
         (also demo.partenaire / demo-partner-password, demo.operateur / demo-operator-password), \
         then Authorize in {}/swagger-ui/ with the access_token",
        settings.public_base_url,
        settings.public_base_url
    );
    Ok(())
}

/// Creates (or, unless `only_missing`, resets) the demo accounts; returns those written.
fn seed_demo(db: &Db, only_missing: bool) -> Result<Vec<&'static str>, Box<dyn std::error::Error>> {
    let base = |username: &str,
                role,
                email: &str,
                name: &str,
                org: &str,
                kind,
                siren: &str,
                partner: Option<&str>| CreateAccount {
        username: username.into(),
        role,
        email: email.into(),
        full_name: name.into(),
        phone: Some("+33123456789".into()),
        partner_code: partner.map(Into::into),
        organization: org.into(),
        organization_kind: kind,
        registration_number: Some(siren.into()),
        address: "20 allée de la Râperie".into(),
        postal_code: Some("59650".into()),
        city: "Villeneuve-d'Ascq".into(),
        country: "FR".into(),
        not_legal_representative: false,
    };
    let accounts = [
        base(
            "demo.client",
            RoleArg::Customer,
            "client@demo.localhost",
            "Camille Durand",
            "Démo Client SAS",
            KindArg::Company,
            "732829320",
            None,
        ),
        base(
            "demo.partenaire",
            RoleArg::Partner,
            "partenaire@demo.localhost",
            "Jérôme Martin",
            "Démo Partenaire SARL",
            KindArg::Company,
            "552100554",
            Some("PART-DEMO"),
        ),
        base(
            "demo.operateur",
            RoleArg::Operator,
            "operateur@demo.localhost",
            "Opérateur Démo",
            "Autorité Démo",
            KindArg::Company,
            "552100554",
            None,
        ),
    ];
    let mut written = Vec::new();
    for (args, (username, password)) in accounts.iter().zip(DEMO_ACCOUNTS) {
        if only_missing && accounts::find_by_username(&mut *db.get()?, username)?.is_some() {
            continue;
        }
        create_account(db, args, password)?;
        written.push(username);
    }
    Ok(written)
}
