package dev.flinkalbert.model.cli;

/**
 * Input a command cannot use (a malformed data file, a directory without the files it needs): {@link TrainCli}
 * prints the message alone and exits with 2, picocli's code for a usage error.
 */
final class InvalidInputException extends RuntimeException {

    InvalidInputException(String message) {
        super(message);
    }
}
