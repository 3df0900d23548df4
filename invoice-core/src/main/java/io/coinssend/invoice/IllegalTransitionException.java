package io.coinssend.invoice;

/**
 * A merchant action is not legal from the invoice's current status. The message names the action and both
 * statuses; {@link MerchantAction} lists the legal moves.
 */
public class IllegalTransitionException extends InvoiceException {

  private static final long serialVersionUID = 1L;

  private final MerchantAction action;
  private final InvoiceStatus from;
  private final InvoiceStatus to;

  public IllegalTransitionException(InvoiceId invoiceId, MerchantAction action, InvoiceStatus from) {
    super("cannot " + action + " invoice " + invoiceId + ": it is " + from + " and " + action + " moves only "
        + action.legalFrom() + " to " + describeTarget(action), invoiceId);
    this.action = action;
    this.from = from;
    this.to = action.targetFrom(from);
  }

  private static String describeTarget(MerchantAction action) {
    return action.isResolution() ? action.targetFrom(InvoiceStatus.NEW).toString() : "the same status";
  }

  public MerchantAction action() {
    return action;
  }

  /** The invoice's status when the action was refused. */
  public InvoiceStatus from() {
    return from;
  }

  /** The status the action would have led to. */
  public InvoiceStatus to() {
    return to;
  }
}
