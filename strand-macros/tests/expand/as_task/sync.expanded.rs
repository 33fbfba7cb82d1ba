fn count(items: Vec<u8>) -> ::strand::TaskHandle<usize> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_count(items: Vec<u8>) -> usize {
        items.len()
    }
    let __strand_runner = ::strand::__private::SyncTaskrunner::new(__strand_body_count);
    __strand_runner.name("jobs::count").call((items,))
}
