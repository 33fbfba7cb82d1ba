#[allow(clippy::needless_pass_by_value)]
#[inline]
pub fn describe<'a, T, const N: usize>(
    items: [T; N],
    __arg1: (u8, u8),
    label: impl AsRef<str> + Send + 'static,
    __arg3: (),
) -> ::strand::TaskHandle<String>
where
    T: std::fmt::Debug + Send + 'static,
{
    #[allow(clippy::needless_pass_by_value)]
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_describe<'a, T, const N: usize>(
        items: [T; N],
        (left, right): (u8, u8),
        mut label: impl AsRef<str> + Send + 'static,
        _: (),
    ) -> String
    where
        T: std::fmt::Debug + Send + 'static,
    {
        label = label;
        format!("{}{left}{right}{items:?}", label.as_ref())
    }
    let __strand_runner = ::strand::__private::ThreadTaskrunner::new(|
        __strand_a0,
        __strand_a1,
        __strand_a2,
        __strand_a3|
    __strand_body_describe::<T, N>(__strand_a0, __strand_a1, __strand_a2, __strand_a3));
    #[allow(clippy::too_many_arguments)]
    fn __strand_launch<
        __StrandA0: ::strand::__private::SendToTask,
        __StrandA1: ::strand::__private::SendToTask,
        __StrandA2: ::strand::__private::SendToTask,
        __StrandA3: ::strand::__private::SendToTask,
        __StrandT: ::strand::__private::SendToTask,
        __StrandE: ::strand::__private::SendToTask,
    >(
        __strand_build: impl ::core::ops::FnOnce(
        ) -> ::strand::__private::ThreadTaskrunner<
                (__StrandA0, __StrandA1, __StrandA2, __StrandA3),
                __StrandT,
                __StrandE,
            >,
        __strand_a0: __StrandA0,
        __strand_a1: __StrandA1,
        __strand_a2: __StrandA2,
        __strand_a3: __StrandA3,
    ) -> ::strand::TaskHandle<__StrandT, __StrandE> {
        __strand_build().call((__strand_a0, __strand_a1, __strand_a2, __strand_a3))
    }
    __strand_launch::<
        [T; N],
        (u8, u8),
        _,
        (),
        String,
        _,
    >(
        move || {
            __strand_runner
                .name(::core::concat!(::core::module_path!(), "::", "describe"))
        },
        items,
        __arg1,
        label,
        __arg3,
    )
}
