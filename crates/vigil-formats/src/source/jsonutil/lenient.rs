//! Lenient objects and arrays: `lenient_struct!`, [`FromMap`], [`List`], [`Key`].

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// An object key, borrowed from the record unless it holds escapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key<'a>(pub Cow<'a, str>);

impl Key<'_> {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(v)))
    }
}

/// A struct filled key by key from a JSON object. Implemented by `lenient_struct!`.
pub trait FromMap<'de>: Default {
    /// Reads the value of `key` from `map` into the matching field, or skips it.
    fn field<A: MapAccess<'de>>(&mut self, key: Key<'de>, map: &mut A) -> Result<(), A::Error>;
}

/// Deserializes any JSON value into a [`FromMap`] type: an object fills it, anything else
/// leaves it at its default.
pub struct MapVisitor<T>(PhantomData<T>);

impl<T> MapVisitor<T> {
    /// A visitor for `T`.
    pub fn new() -> MapVisitor<T> {
        MapVisitor(PhantomData)
    }
}

impl<T> Default for MapVisitor<T> {
    fn default() -> Self {
        MapVisitor::new()
    }
}

macro_rules! default_for_non_objects {
    () => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
}

impl<'de, T: FromMap<'de>> Visitor<'de> for MapVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any json value")
    }

    default_for_non_objects!();

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(T::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut out = T::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            out.field(key, &mut map)?;
        }
        Ok(out)
    }
}

/// A lenient array: the elements of an array; a lone object counts as a one-element array;
/// anything else (a string, a number, `null`) as an empty one.
#[derive(Clone, Debug, PartialEq)]
pub struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = List<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any json value")
    }

    default_for_non_objects!();

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element::<T>()? {
            items.push(item);
        }
        Ok(List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let one = T::deserialize(MapAccessDeserializer::new(map))?;
        Ok(List(vec![one]))
    }
}

/// Declares a borrowed struct read leniently from a JSON object (see the module docs).
///
/// ```text
/// lenient_struct! {
///     /// The initiator.
///     pub struct Initiator<'a> {
///         pub id: Scalar<'a> = "id",
///         pub host: Host<'a> = "host",
///     }
/// }
/// ```
///
/// Every field type must implement `Default` and `Deserialize` without failing on shape
/// ([`super::Scalar`], [`List`], other lenient structs, `Option<&RawValue>`). Ending the
/// field list with `..rest` adds `pub rest: Vec<(Key, &RawValue)>` holding the keys the struct
/// does not name, in record order; without it they are skipped.
macro_rules! lenient_struct {
    (@unknown $self:ident $map:ident $key:ident) => {{
        let _ = $key;
        $map.next_value::<::serde::de::IgnoredAny>()?;
    }};
    (@unknown $self:ident $map:ident $key:ident $rest:ident) => {{
        let value = $map.next_value()?;
        $self.$rest.push(($key, value));
    }};
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident<$lt:lifetime> {
            $(
                $(#[$fmeta:meta])*
                $fvis:vis $field:ident : $ty:ty = $json:literal,
            )*
            $(.. $rest:ident)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        $vis struct $name<$lt> {
            $( $(#[$fmeta])* $fvis $field: $ty, )*
            $(
                /// Keys not named above, with their raw values, in record order.
                pub $rest: ::std::vec::Vec<(
                    $crate::source::jsonutil::Key<$lt>,
                    &$lt ::serde_json::value::RawValue,
                )>,
            )?
        }

        impl<'de: $lt, $lt> $crate::source::jsonutil::FromMap<'de> for $name<$lt> {
            fn field<A: ::serde::de::MapAccess<'de>>(
                &mut self,
                key: $crate::source::jsonutil::Key<'de>,
                map: &mut A,
            ) -> ::std::result::Result<(), A::Error> {
                match key.as_str() {
                    $( $json => self.$field = map.next_value()?, )*
                    _ => $crate::source::jsonutil::lenient_struct!(@unknown self map key $($rest)?),
                }
                Ok(())
            }
        }

        impl<'de: $lt, $lt> ::serde::Deserialize<'de> for $name<$lt> {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                deserializer.deserialize_any($crate::source::jsonutil::MapVisitor::<Self>::new())
            }
        }
    };
}

pub(crate) use lenient_struct;
