namespace KmsService.Protocol;

/// <summary>A request or response that carries plaintext, a data key or random bytes, which the operation table zeroes
/// once the call is over (the response once serialised), whether it succeeded or failed.</summary>
internal interface IHoldsSecrets
{
    /// <summary>Zeroes every secret byte array the object holds.</summary>
    void ClearSecrets();
}
