//! Reading a config: one of 100,000 offers (an agency's whole catalogue, or a hostile file),
//! validated as every command does before anything else.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

fn text(offers: usize) -> String {
    let mut text = String::from("[api]\nbase_url = \"https://cloudpartner.azure.com\"\n");
    for i in 0..offers {
        text.push_str(&format!(
            "[[offers]]\npublisher = \"bench\"\noffer = \"offer-{i}\"\nnotification_emails = [\"ops{i}@bench.com\"]\n"
        ));
    }
    text
}

fn parse(c: &mut Criterion) {
    let path = std::path::Path::new("bench.toml");
    let mut group = c.benchmark_group("config");
    group.sample_size(10);
    for offers in [1_000, 100_000] {
        let text = text(offers);
        group.bench_function(format!("parse and validate {offers} offers"), |b| {
            b.iter(|| offerdeck::config::parse(path, black_box(&text)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
