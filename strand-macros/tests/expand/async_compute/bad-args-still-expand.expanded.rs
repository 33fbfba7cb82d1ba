::core::compile_error! {
    "unknown `async_compute` option `tll`; expected one of `store`, `ttl`, `backend`, `serialization`, `middleware`, `fallible`, `name` or `crate`; did you mean `ttl`?"
}
fn f(x: u32) -> ::strand_au::ComputationHandle<u32> {
    let mut __strand_args = ::strand_au::__private::Args::with_capacity(1usize);
    ::strand_au::__private::Args::push::<u32>(&mut __strand_args, &x);
    ::strand_au::__private::launch::<u32>(__strand_computation_f(), &__strand_args)
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
type __StrandValue_f = u32;
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_computation_f() -> &'static ::strand_au::__private::Computation {
    #[allow(
        non_snake_case,
        clippy::missing_const_for_fn,
        clippy::needless_pass_by_value
    )]
    fn __strand_body_f(x: u32) -> u32 {
        x
    }
    fn __strand_run(
        __strand_input: ::strand_au::__private::Value,
    ) -> ::core::result::Result<
        ::strand_au::__private::Value,
        ::strand_au::__private::ComputationFailure,
    > {
        let mut __strand_decoder = ::strand_au::__private::Decoder::new(
            __strand_input,
            1usize,
        )?;
        let __strand_outcome = __strand_body_f(
            ::strand_au::__private::Decoder::next::<u32>(&mut __strand_decoder)?,
        );
        ::strand_au::__private::encode_result::<u32>(&__strand_outcome)
    }
    ::strand_au::__private::inventory::submit! {
        ::strand_au::__private::Registration { name :
        ::core::concat!(::core::module_path!(), "::", "f"), origin :
        ::core::concat!(::core::module_path!(), "::", "f"), runner : __strand_run, }
    }
    static __STRAND_COMPUTATION: ::strand_au::__private::LazyLock<
        ::strand_au::__private::Computation,
    > = ::strand_au::__private::LazyLock::new(|| {
        ::strand_au::__private::install_linked();
        let __strand_computation = ::strand_au::__private::Computation::new(
            ::core::concat!(::core::module_path!(), "::", "f"),
            ::strand_au::__private::Runner::from(
                __strand_run as ::strand_au::__private::RunnerFn,
            ),
        );
        let __strand_computation = __strand_computation
            .backend(
                ::std::sync::Arc::new(::strand_au::__private::ThreadBackend::new()),
            );
        __strand_computation
    });
    &__STRAND_COMPUTATION
}
/// The infrastructure of the [`f`](fn@f) computation: its store, backend, registered name, and typed handles from keys.
#[allow(dead_code)]
mod f {
    #[allow(unused_imports)]
    use super::*;
    /// The computation (registered name, runner, store, backend, middleware, TTL) that
    /// The function [`f`](fn@super::f) launches.
    #[must_use]
    pub(super) fn computation() -> &'static ::strand_au::Computation {
        super::__strand_computation_f()
    }
    /// The name the function is registered under.
    #[must_use]
    pub(super) fn name() -> &'static str {
        computation().name()
    }
    /// The store where the records of this function live.
    #[must_use]
    pub(super) fn store() -> ::std::sync::Arc<dyn ::strand_au::ComputationStore> {
        computation().get_store()
    }
    /// The backend this function's computations run on.
    #[must_use]
    pub(super) fn backend() -> ::std::sync::Arc<dyn ::strand_au::ComputationBackend> {
        computation().get_backend()
    }
    /// Deletes the expired records of this function's store; how many.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed.
    pub(super) fn cleanup_expired() -> ::core::result::Result<
        usize,
        ::strand_au::StoreError,
    > {
        computation().cleanup_expired()
    }
    /// A typed handle on the record `key` of this function's store
    /// (e.g. from a key sent to a client).
    #[must_use]
    pub(super) fn handle(
        key: ::strand_au::Key,
    ) -> ::strand_au::ComputationHandle<super::__StrandValue_f> {
        computation().handle(key)
    }
}
