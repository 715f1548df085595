//! The table of paths against the floors, and the same figures for the JSON line.

use serde_json::{json, Map, Value};

use crate::drive::Stats;

pub const STATIC_FLOOR: &str = "floor: static JSON";
pub const DB_FLOOR: &str = "floor: milestones by direct query";

/// Prints each path's figures beside its ratios to the static and the database floors.
pub fn print_rows(backend: &str, rows: &[(String, Stats)], figures: &mut Map<String, Value>) {
    let floor_of = |name: &str| rows.iter().find(|(row, _)| row == name).map_or(f64::NAN, |(_, stats)| stats.rps);
    let (static_rps, db_rps) = (floor_of(STATIC_FLOOR), floor_of(DB_FLOOR));
    println!(
        "\n{:<38} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7}",
        format!("path ({backend}, {} cores)", std::thread::available_parallelism().map_or(0, |n| n.get())),
        "req/s",
        "×static",
        "×db",
        "p50 ms",
        "p99 ms",
        "errors"
    );
    for (name, stats) in rows {
        let (to_static, to_db) = (stats.rps / static_rps, stats.rps / db_rps);
        println!(
            "{:<38} {:>9.0} {:>8.3} {:>8.2} {:>8.2} {:>8.2} {:>7}",
            name, stats.rps, to_static, to_db, stats.p50_ms, stats.p99_ms, stats.errors
        );
        figures.insert(
            name.clone(),
            json!({
                "rps": stats.rps, "ratio_to_static_floor": to_static, "ratio_to_db_floor": to_db,
                "p50_ms": stats.p50_ms, "p99_ms": stats.p99_ms, "requests": stats.requests, "errors": stats.errors,
            }),
        );
    }
}
