package dev.kiln.kernels;

/**
 * The arguments of a convolution followed by a max pooling ({@link KernelSet#conv2dMaxPool}): the convolution's, as
 * {@link ConvCall}, and the pooling's ({@code ph}/{@code pw} window, {@code psh}/{@code psw} strides,
 * {@code ppt}/{@code ppl} top and left padding, {@code poh}/{@code pow} pooled size).
 */
public class ConvPoolCall extends ConvCall {
  public int ph, pw, psh, psw, ppt, ppl, poh, pow;

  public void setPool(int ph, int pw, int psh, int psw, int ppt, int ppl, int poh, int pow) {
    this.ph = ph;
    this.pw = pw;
    this.psh = psh;
    this.psw = psw;
    this.ppt = ppt;
    this.ppl = ppl;
    this.poh = poh;
    this.pow = pow;
  }
}
