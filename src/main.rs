//! The certorder binary: reads configuration, sets up logging, then serves (default) or runs
//! an administration command (`certorder --help`).

use clap::Parser;

/// Measured against glibc's malloc in bench/RESULTS.md; not the default.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use certorder::cli::{Cli, Command};
use certorder::config::Settings;
use certorder::startup::Application;
use certorder::telemetry;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    certorder::startup::keep_large_blocks_out_of_the_heap();
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_json);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::RunJobs(args) => certorder::cli::run_jobs(args, settings).await,
        other => certorder::cli::run(other, &settings),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "stopped with an error");
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    tracing::info!(settings = ?settings, "starting");
    // Development only: the demo accounts if absent (the database is prepared first), and
    // how to sign in — before the server accepts its first request.
    let dev = settings.clone();
    actix_web::rt::task::spawn_blocking(move || {
        certorder::cli::prepare_development(&dev).map_err(|e| e.to_string())
    })
    .await??;
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), "listening; Swagger UI at /swagger-ui/");
    app.run_until_stopped().await?;
    Ok(())
}
