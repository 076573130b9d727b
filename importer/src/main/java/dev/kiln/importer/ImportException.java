package dev.kiln.importer;

/** A model the importer cannot turn into Kiln source: the message names the layer, the option, or the file. */
public final class ImportException extends Exception {
  public ImportException(String message) {
    super(message);
  }

  public ImportException(String message, Throwable cause) {
    super(message, cause);
  }
}
