//! The storage conformance suite against the in-memory store.

#[test]
fn memory_store_passes_the_conformance_suite() {
    let result = purview::executor::block_on(purview::testkit::run(purview::MemoryStore::new()));
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn memory_store_passes_with_real_threads() {
    // The same suite from several threads at once on one shared store.
    let store = purview::MemoryStore::new();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || purview::executor::block_on(purview::testkit::run(store)))
        })
        .collect();
    for h in handles {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("{e}"),
            Err(_) => panic!("a conformance thread panicked"),
        }
    }
}
