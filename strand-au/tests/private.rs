//! What `#[async_compute]` will generate compiles against `__private` with
//! absolute paths only: no prelude, and hostile local names.
#![no_implicit_prelude]

#[allow(dead_code, non_camel_case_types)]
mod hostile {
    type Result = ();
    type Option = ();
    mod core {}
    mod serde {}

    fn __strand_body_double(x: u32) -> u32 {
        x * 2
    }

    fn __strand_runner_double(
        __strand_args: ::strand_au::__private::Value,
    ) -> ::core::result::Result<
        ::strand_au::__private::Value,
        ::strand_au::__private::ComputationFailure,
    > {
        let (__arg0,): (u32,) = ::strand_au::__private::decode_args(__strand_args)?;
        ::strand_au::__private::encode_value(&__strand_body_double(__arg0))
    }

    static __STRAND_COMPUTATION: ::strand_au::__private::LazyLock<
        ::strand_au::__private::Computation,
    > = ::strand_au::__private::LazyLock::new(|| {
        ::strand_au::__private::Computation::new(
            "private::double",
            ::strand_au::__private::Runner::from_fn(
                __strand_runner_double as ::strand_au::__private::RunnerFn,
            ),
        )
        .store(::strand_au::__private::Arc::new(
            ::strand_au::MemoryStore::new(),
        ))
    });

    pub(crate) fn double(x: u32) -> ::strand_au::__private::ComputationHandle<u32> {
        ::strand_au::__private::assert_serialize::<u32>();
        ::strand_au::__private::assert_result::<u32>();
        __STRAND_COMPUTATION.launch(&(x,))
    }

    pub(crate) fn register() {
        ::strand_au::__private::register(
            "private::double",
            "private::hostile::double",
            __strand_runner_double,
        )
        .unwrap();
    }
}

#[test]
fn generated_shape_compiles_and_runs() {
    hostile::register();
    let handle = hostile::double(21);
    ::std::assert_eq!(handle.join().unwrap(), 42);
    ::std::assert!(::std::matches!(
        ::strand_au::__private::lookup("private::double"),
        ::std::result::Result::Ok(::std::option::Option::Some(_))
    ));
}
