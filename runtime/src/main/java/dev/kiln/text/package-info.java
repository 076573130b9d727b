/**
 * Text in: Keras' {@code TextVectorization} and {@code StringLookup} at inference, turning strings into the token
 * indices a Kiln session reads. Strings are not graph tensors, so these classes run on the caller's side, before
 * {@code session.call(...)}. Java 8 API, no reflection, as the rest of the runtime.
 */
package dev.kiln.text;
