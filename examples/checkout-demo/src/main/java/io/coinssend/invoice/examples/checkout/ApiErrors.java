package io.coinssend.invoice.examples.checkout;

import io.coinssend.invoice.IllegalTransitionException;
import io.coinssend.invoice.InvoiceNotFoundException;
import io.coinssend.invoice.OrderConflictException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Every refused request gets a JSON error naming the field: {@code {"error": "...", "field": "amount"}}. */
@RestControllerAdvice
public class ApiErrors {

  @ExceptionHandler(ApiException.class)
  public ResponseEntity<Map<String, Object>> api(ApiException e) {
    return error(e.status(), e.field(), e.getMessage());
  }

  @ExceptionHandler(InvoiceNotFoundException.class)
  public ResponseEntity<Map<String, Object>> notFound(InvoiceNotFoundException e) {
    return error(HttpStatus.NOT_FOUND, "id", e.getMessage());
  }

  @ExceptionHandler(IllegalTransitionException.class)
  public ResponseEntity<Map<String, Object>> illegal(IllegalTransitionException e) {
    return error(HttpStatus.CONFLICT, "status", e.getMessage());
  }

  @ExceptionHandler(OrderConflictException.class)
  public ResponseEntity<Map<String, Object>> conflict(OrderConflictException e) {
    return error(HttpStatus.CONFLICT, "orderId", e.getMessage());
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  public ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
    return error(HttpStatus.BAD_REQUEST, "body", "the request body is not the JSON object expected");
  }

  static ResponseEntity<Map<String, Object>> error(HttpStatus status, String field, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.put("field", field);
    body.put("status", status.value());
    return ResponseEntity.status(status).body(body);
  }
}
