using KmsService.Core.Errors;

namespace KmsService.Audit.Lookup;

/// <summary>CloudTrail error <c>InvalidLookupAttributesException</c>: a lookup attribute that is not valid, or more than one.</summary>
internal sealed class InvalidLookupAttributesException(string message) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidLookupAttributesException);
}

/// <summary>CloudTrail error <c>InvalidTimeRangeException</c>: the start time is after the end time, or a time is outside
/// the range of possible values.</summary>
internal sealed class InvalidTimeRangeException(string message) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidTimeRangeException);
}

/// <summary>CloudTrail error <c>InvalidMaxResultsException</c>: MaxResults outside 1..50.</summary>
internal sealed class InvalidMaxResultsException(string message) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidMaxResultsException);
}

/// <summary>CloudTrail error <c>InvalidNextTokenException</c>: a token that is not valid, or that was issued for a request
/// with other parameters.</summary>
internal sealed class InvalidNextTokenException(string message) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidNextTokenException);
}

/// <summary>CloudTrail error <c>InvalidEventCategoryException</c>: an EventCategory other than <c>insight</c>.</summary>
internal sealed class InvalidEventCategoryException(string message) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidEventCategoryException);
}
