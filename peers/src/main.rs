//! The helpdesk workload in purview, casbin, cedar-policy and a hand-written
//! bitmask. First checks that all four agree on every request, then times
//! each workload for each implementation.
//!
//! `cargo run --release --manifest-path peers/Cargo.toml`

mod bitmask;
mod with_casbin;
mod with_cedar;
mod with_purview;
mod world;

use bitmask::Bitmask;
use std::fmt::Display;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use with_casbin::Casbin;
use with_cedar::Cedar;
use with_purview::Purview;
use world::World;

const ENGINES: [&str; 4] = ["purview", "bitmask", "casbin", "cedar"];
/// Timed repetitions of each workload; the median is reported.
const REPETITIONS: usize = 5;
/// A repetition runs the whole request set as many times as it takes to last this long.
const MIN_REPETITION: Duration = Duration::from_millis(200);

struct Engines {
    purview: Purview,
    bitmask: Bitmask,
    casbin: Casbin,
    cedar: Cedar,
}

fn main() -> ExitCode {
    let world = World::new();
    let engines = match build(&world) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("setup failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    match agree(&world, &engines) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    }
    time_all(&world, &engines);
    ExitCode::SUCCESS
}

fn build(world: &World) -> Result<Engines, String> {
    Ok(Engines {
        purview: Purview::new(world),
        bitmask: Bitmask::new(world),
        casbin: Casbin::new(world).map_err(|e| format!("casbin: {e}"))?,
        cedar: Cedar::new(world).map_err(|e| format!("cedar: {e}"))?,
    })
}

/// Runs one request on every engine; an engine error is fatal.
fn answers<E1: Display, E2: Display>(
    purview: bool,
    bitmask: bool,
    casbin: Result<bool, E1>,
    cedar: Result<bool, E2>,
) -> Result<[bool; 4], String> {
    let casbin = casbin.map_err(|e| format!("casbin failed: {e}"))?;
    let cedar = cedar.map_err(|e| format!("cedar failed: {e}"))?;
    Ok([purview, bitmask, casbin, cedar])
}

fn disagreement(workload: &str, request: String, answers: [bool; 4]) -> String {
    let each: Vec<String> = ENGINES
        .iter()
        .zip(answers)
        .map(|(name, a)| format!("{name}: {}", if a { "allow" } else { "deny" }))
        .collect();
    format!(
        "DISAGREEMENT in {workload}: {request}\n  {}",
        each.join(", ")
    )
}

/// Checks every request of every workload on all four engines.
fn agree(world: &World, e: &Engines) -> Result<(), String> {
    let mut report = Vec::new();
    let mut count = |name: &str, total: usize, allowed: usize| {
        report.push(format!("  {name}: {total} requests, {allowed} allowed"));
    };

    let mut allowed = 0;
    for r in &world.features {
        let a = answers(
            e.purview.feature(r),
            e.bitmask.feature(r),
            e.casbin.feature(r),
            e.cedar.feature(r),
        )
        .map_err(|err| format!("{err} on {}", world.describe_feature(r)))?;
        if a.iter().any(|&x| x != a[0]) {
            return Err(disagreement("feature check", world.describe_feature(r), a));
        }
        allowed += usize::from(a[0]);
    }
    count("feature check", world.features.len(), allowed);

    let mut allowed = 0;
    for r in &world.views {
        let describe = || world.describe_view(r.member, &world.convs[r.conv]);
        let a = answers(
            e.purview.view(r),
            e.bitmask.view(r),
            e.casbin.view(r),
            e.cedar.view(r),
        )
        .map_err(|err| format!("{err} on {}", describe()))?;
        if a.iter().any(|&x| x != a[0]) {
            return Err(disagreement("conversation view", describe(), a));
        }
        allowed += usize::from(a[0]);
    }
    count("conversation view", world.views.len(), allowed);

    let mut allowed = 0;
    for r in &world.reassigns {
        let a = answers(
            e.purview.reassign(r),
            e.bitmask.reassign(r),
            e.casbin.reassign(r),
            e.cedar.reassign(r),
        )
        .map_err(|err| format!("{err} on {}", world.describe_reassign(r)))?;
        if a.iter().any(|&x| x != a[0]) {
            return Err(disagreement("reassign", world.describe_reassign(r), a));
        }
        allowed += usize::from(a[0]);
    }
    count("reassign", world.reassigns.len(), allowed);

    let mut lists = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    e.purview.filter(&mut lists[0]);
    e.bitmask.filter(&mut lists[1]);
    e.casbin
        .filter(&mut lists[2])
        .map_err(|err| format!("casbin failed on the list filter: {err}"))?;
    e.cedar
        .filter(&mut lists[3])
        .map_err(|err| format!("cedar failed on the list filter: {err}"))?;
    for (i, c) in world.list.iter().enumerate() {
        let a = [lists[0][i], lists[1][i], lists[2][i], lists[3][i]];
        if a.iter().any(|&x| x != a[0]) {
            return Err(disagreement(
                "list filter",
                world.describe_view(world.list_actor, c),
                a,
            ));
        }
    }
    let visible = lists[0].iter().filter(|&&v| v).count();
    count("list filter", world.list.len(), visible);

    println!("All four implementations agree on every request:");
    for line in report {
        println!("{line}");
    }
    Ok(())
}

/// Median time per check, in nanoseconds, of `pass`, which runs `checks`
/// checks and returns how many were allowed.
fn time(checks: usize, mut pass: impl FnMut() -> usize) -> f64 {
    // The first pass warms up and calibrates.
    let start = Instant::now();
    black_box(pass());
    let once = start.elapsed().max(Duration::from_nanos(1));
    let passes = (MIN_REPETITION.as_nanos() / once.as_nanos()).max(1) as usize;
    let mut per_check: Vec<f64> = (0..REPETITIONS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..passes {
                black_box(pass());
            }
            start.elapsed().as_nanos() as f64 / (passes * checks) as f64
        })
        .collect();
    per_check.sort_by(f64::total_cmp);
    per_check[REPETITIONS / 2]
}

struct Row {
    workload: &'static str,
    checks: usize,
    /// purview, bitmask, casbin, cedar.
    ns: [f64; 4],
}

fn time_all(world: &World, e: &Engines) {
    let mut rows = Vec::new();

    let f = &world.features;
    rows.push(Row {
        workload: "feature check (5 roles × 11 features, own and other organization)",
        checks: f.len(),
        ns: [
            time(f.len(), || {
                f.iter().filter(|r| e.purview.feature(black_box(r))).count()
            }),
            time(f.len(), || {
                f.iter().filter(|r| e.bitmask.feature(black_box(r))).count()
            }),
            time(f.len(), || {
                f.iter()
                    .filter(|r| e.casbin.feature(black_box(r)).unwrap_or(false))
                    .count()
            }),
            time(f.len(), || {
                f.iter()
                    .filter(|r| e.cedar.feature(black_box(r)).unwrap_or(false))
                    .count()
            }),
        ],
    });

    let v = &world.views;
    rows.push(Row {
        workload: "conversation view (every assignment state, 10% other organization)",
        checks: v.len(),
        ns: [
            time(v.len(), || {
                v.iter().filter(|r| e.purview.view(black_box(r))).count()
            }),
            time(v.len(), || {
                v.iter().filter(|r| e.bitmask.view(black_box(r))).count()
            }),
            time(v.len(), || {
                v.iter()
                    .filter(|r| e.casbin.view(black_box(r)).unwrap_or(false))
                    .count()
            }),
            time(v.len(), || {
                v.iter()
                    .filter(|r| e.cedar.view(black_box(r)).unwrap_or(false))
                    .count()
            }),
        ],
    });

    let r = &world.reassigns;
    rows.push(Row {
        workload: "reassign (source scope and target)",
        checks: r.len(),
        ns: [
            time(r.len(), || {
                r.iter()
                    .filter(|q| e.purview.reassign(black_box(q)))
                    .count()
            }),
            time(r.len(), || {
                r.iter()
                    .filter(|q| e.bitmask.reassign(black_box(q)))
                    .count()
            }),
            time(r.len(), || {
                r.iter()
                    .filter(|q| e.casbin.reassign(black_box(q)).unwrap_or(false))
                    .count()
            }),
            time(r.len(), || {
                r.iter()
                    .filter(|q| e.cedar.reassign(black_box(q)).unwrap_or(false))
                    .count()
            }),
        ],
    });

    let n = world.list.len();
    rows.push(Row {
        workload: "list filter over 100,000 conversations (an Agent)",
        checks: n,
        ns: [
            time(n, || e.purview.filter_count()),
            time(n, || e.bitmask.filter_count()),
            time(n, || e.casbin.filter_count()),
            time(n, || e.cedar.filter_count()),
        ],
    });

    println!();
    println!(
        "Median of {REPETITIONS} repetitions, ns per check; {} logical CPUs, {}.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH
    );
    println!();
    println!(
        "| workload | checks | purview | bitmask | casbin | cedar | purview / bitmask | casbin / purview | cedar / purview |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let [p, b, c, d] = row.ns;
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.2}× | {} | {} |",
            row.workload,
            thousands(row.checks as f64),
            ns(p),
            ns(b),
            ns(c),
            ns(d),
            p / b,
            ratio(c / p),
            ratio(d / p),
        );
    }
}

/// Nanoseconds with precision fitting their size.
fn ns(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}")
    } else if x < 100.0 {
        format!("{x:.1}")
    } else {
        thousands(x)
    }
}

fn ratio(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.1}×")
    } else {
        format!("{}×", thousands(x))
    }
}

fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x);
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
